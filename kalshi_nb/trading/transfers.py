"""Money moves that are not orders: collateral between exchange shards, cash between subaccounts, new
subaccounts and the automatic balance allocation.

They change where money sits, never how much the account holds, so the spend cap does not apply; on
production each needs the same opt-in as an order (``kalshi_nb.enable_live_trading(client)``), because a
mistaken move can still leave an order's shard unfunded. UNCONFIRMED live: nothing documents a gate here;
this is the safe choice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .. import order_v2, safety
from ..errors import ConflictError
from ..writer import OrderWriter

SHARD_TRANSFER_PATH = "/portfolio/intra_exchange_instance_transfer"
CENTICENT = Decimal("0.0001")  # the unit of a shard transfer's amount


class MoneyMoves(OrderWriter):
    """Transfers, subaccounts and the balance allocation of ``KalshiClient``."""

    def transfer_between_shards(
        self,
        amount: object,
        *,
        from_shard: int,
        to_shard: int,
        from_subaccount: int | None = None,
        to_subaccount: int | None = None,
        client_transfer_id: str | None = None,
    ) -> dict:
        """Move ``amount`` dollars of collateral between exchange shards (``POST
        /portfolio/intra_exchange_instance_transfer``); returns ``{"transfer_id"}``.

        Kalshi needs collateral on a market's shard (``market["exchange_index"]``) before an order there;
        ``preview_order`` warns (``shard_collateral``) when it is missing. ``amount``: dollars, to $0.0001.
        On production it needs ``kalshi_nb.enable_live_trading(client)`` like an order (money changes
        place, though it stays in the account); there is no spend cap. The transfer is processed
        asynchronously: ``get_shard_transfer(id)`` shows its ``status``. Without numbered subaccounts a
        ``client_transfer_id`` (a uuid4) is sent and failures that may not have reached Kalshi are retried
        with it, which Kalshi de-duplicates; with subaccounts Kalshi takes no id, so it is sent once.

        Example:
            >>> client.transfer_between_shards("25.00", from_shard=0, to_shard=2)["transfer_id"] != ""
            True
        """
        self._require_key("transfer_between_shards")
        shards = [_shard(from_shard, "from_shard"), _shard(to_shard, "to_shard")]
        subs = [order_v2.check_subaccount(from_subaccount), order_v2.check_subaccount(to_subaccount)]
        if shards[0] == shards[1] and (subs[0] or 0) == (subs[1] or 0):
            raise ValueError(f"from_shard and to_shard are both {shards[0]}: nothing to move")
        centicents = _amount(amount, CENTICENT, "amount")
        body: dict[str, Any] = {
            "source": "event_contract",
            "destination": "event_contract",
            "amount": centicents,
            "source_exchange_shard": shards[0],
            "destination_exchange_shard": shards[1],
        }
        numbered = any(s for s in subs)
        if numbered:
            if client_transfer_id is not None:
                raise ValueError(
                    "Kalshi takes no client_transfer_id on transfers involving numbered subaccounts"
                )
            body.update(source_subaccount=subs[0] or 0, destination_subaccount=subs[1] or 0)
        else:
            body["client_transfer_id"] = _transfer_id(client_transfer_id)
        safety.check_live(self, "transfer")
        try:
            return self._request("POST", SHARD_TRANSFER_PATH, json_body=body, retry=not numbered)
        except ConflictError:
            if numbered:
                raise
            # Already accepted with this id (an earlier attempt of this call, or a re-run): find it.
            for item in self.paginate("get_shard_transfers", "transfers", limit=500):
                if item.get("client_transfer_id") == body["client_transfer_id"]:
                    return {"transfer_id": item.get("transfer_id"), "reconciled": True}
            raise

    def transfer_between_subaccounts(
        self,
        amount: object,
        *,
        from_subaccount: int,
        to_subaccount: int,
        exchange_index: int = 0,
        client_transfer_id: str | None = None,
    ) -> dict:
        """Move ``amount`` dollars (whole cents) between subaccounts (0 primary, 1-63) on one shard
        (``POST /portfolio/subaccounts/transfer``). Production needs the live-trading opt-in; the call is
        retried with the same ``client_transfer_id``, which Kalshi uses for idempotency.

        Example:
            >>> n = client.create_subaccount()["subaccount_number"]
            >>> client.transfer_between_subaccounts("10", from_subaccount=0, to_subaccount=n) == {}
            True
        """
        self._require_key("transfer_between_subaccounts")
        source, target = (
            order_v2.check_subaccount(from_subaccount),
            order_v2.check_subaccount(to_subaccount),
        )
        if source is None or target is None or source == target:
            raise ValueError(
                f"give two different subaccounts (0-63), got {from_subaccount!r} and {to_subaccount!r}"
            )
        body = {
            "client_transfer_id": _transfer_id(client_transfer_id),
            "from_subaccount": source,
            "to_subaccount": target,
            "amount_cents": _amount(amount, Decimal("0.01"), "amount"),
            "exchange_index": _shard(exchange_index, "exchange_index"),
        }
        safety.check_live(self, "transfer")
        return self._request("POST", "/portfolio/subaccounts/transfer", json_body=body, retry=True)

    def create_subaccount(self, *, exchange_index: int | None = None) -> dict:
        """``POST /portfolio/subaccounts``: a new numbered subaccount, ``{"subaccount_number": 1..63}``.

        Sent once (it is not idempotent); production needs the live-trading opt-in.
        """
        self._require_key("create_subaccount")
        body = {} if exchange_index is None else {"exchange_index": _shard(exchange_index, "exchange_index")}
        safety.check_live(self, "account change")
        return self._request("POST", "/portfolio/subaccounts", json_body=body, retry=False)

    def set_target_balance_allocation(
        self, allocations: Mapping[int, int], *, resting_margin_reservation: str | None = None
    ) -> dict:
        """``POST /portfolio/target_balance_allocation``: ``{shard: percent}`` totalling 100, or ``{}`` to turn
        automatic rebalancing across shards off. Production needs the live-trading opt-in.

        Example:
            >>> client.set_target_balance_allocation({0: 50, 2: 50})
            {}
        """
        self._require_key("set_target_balance_allocation")
        rows = [
            {"exchange_index": _shard(k, "shard"), "percent": _percent(v)}
            for k, v in dict(allocations).items()
        ]
        if rows and sum(r["percent"] for r in rows) != 100:
            raise ValueError(
                f"the percentages must total 100 (or pass {{}} to turn rebalancing off), got {allocations!r}"
            )
        body: dict[str, Any] = {"allocations": rows}
        if resting_margin_reservation is not None:
            if resting_margin_reservation not in ("none", "max", "sum"):
                raise ValueError("resting_margin_reservation must be 'none', 'max' or 'sum'")
            body["resting_margin_reservation"] = resting_margin_reservation
        safety.check_live(self, "account change")
        return self._request("POST", "/portfolio/target_balance_allocation", json_body=body, retry=True)


def _shard(value: object, name: str) -> int:
    value = order_v2.plain(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an exchange shard number (0 or more), got {value!r}")
    return value


def _percent(value: object) -> int:
    value = order_v2.plain(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValueError(f"each percentage must be an integer 0-100, got {value!r}")
    return value


def _amount(value: object, unit: Decimal, name: str) -> int:
    """A positive dollar amount as a whole number of ``unit`` (cents or centicents)."""
    dollars = safety.to_dollars(value, name)
    if dollars <= 0:
        raise ValueError(f"{name} must be a positive number of dollars, got {value!r}")
    units = dollars / unit
    if units != units.to_integral_value():
        raise ValueError(f"{name} must be a multiple of ${unit}, got {value!r}")
    return int(units)


def _transfer_id(value: str | None) -> str:
    if value is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(f"client_transfer_id must be a UUID, got {value!r}") from None
