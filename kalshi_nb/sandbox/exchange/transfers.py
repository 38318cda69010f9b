"""Money moves that are not trades: subaccounts, transfers between them and between shards, and the
target balance allocation (automatic collateral for orders on an unfunded shard)."""

from __future__ import annotations

import re

from ..errors import SandboxError, bad_request, not_found
from .accounting import Accounting
from .bodies import as_object, no_unknown
from .shards import SHARDS, check_shard
from .state import CENT, _Account, ledger_key, money_str

MAX_SUBACCOUNTS = 63
RESERVATIONS = ("none", "max", "sum")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
CENTICENT = 100  # micro-dollars in $0.0001 (the unit of intra-exchange transfer amounts)


def _int(spec: dict, name: str, *, default: int | None = None, low: int | None = None) -> int:
    value = spec.get(name, default)
    if value is None:
        raise bad_request(f"{name} is required (an integer)")
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{name} must be an integer, got {value!r}")
    if low is not None and value < low:
        raise bad_request(f"{name} must be at least {low}, got {value}")
    return value


def _uuid(spec: dict, name: str, *, required: bool) -> str | None:
    value = spec.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required (a UUID, for idempotency)")
        return None
    if not isinstance(value, str) or not _UUID.match(value):
        raise bad_request(f"{name} must be a UUID string, got {value!r}")
    return value.lower()


class Transfers(Accounting):
    """Subaccounts 1-63, subaccount and intra-exchange transfers with their histories, balance allocation."""

    def create_subaccount(self, user_id: str, body: object = None) -> dict:
        """``POST /portfolio/subaccounts``: the next numbered subaccount (1-63) -> ``{"subaccount_number"}``."""
        spec = {} if body is None else as_object(body, "create subaccount")
        no_unknown(spec, {"exchange_index"}, "create subaccount")
        if "exchange_index" in spec:
            check_shard(spec["exchange_index"])
        with self._lock:
            self._sync()
            member = self._member(user_id)
            if member.subaccounts >= MAX_SUBACCOUNTS:
                raise bad_request(
                    f"at most {MAX_SUBACCOUNTS} numbered subaccounts per user; all are in use",
                    code="subaccount_limit_reached",
                )
            member.subaccounts += 1
            number = member.subaccounts
            self._ledger(user_id, number, 0)
            self._bump()
            return {"subaccount_number": number}

    def subaccount_balances(self, user_id: str) -> dict:
        """``GET /portfolio/subaccounts/balances``: every subaccount (the primary too) on every shard."""
        with self._lock:
            self._sync()
            member = self._member(user_id)
            rows = []
            for sub in range(member.subaccounts + 1):
                for shard in SHARDS:
                    acct = self._accounts.get(ledger_key(user_id, sub, shard))
                    free = 0 if acct is None else acct.cash - acct.held
                    rows.append(
                        {
                            "subaccount_number": sub,
                            "exchange_index": shard,
                            "balance": money_str(free - free % 100),
                            "updated_ts": 0 if acct is None else acct.updated_ts,
                        }
                    )
            return {"subaccount_balances": rows}

    def _move(self, source: _Account, dest: _Account, micro: int) -> None:
        """Move free cash between two ledgers; 400 ``insufficient_balance`` (naming the ledger) if short."""
        free = source.cash - source.held
        if micro > free:
            raise bad_request(
                f"insufficient balance: subaccount {source.subaccount} has {money_str(free)} free on "
                f"exchange_index {source.exchange_index}, the transfer needs {money_str(micro)}",
                code="insufficient_balance",
            )
        now = int(self._now())
        source.cash -= micro
        dest.cash += micro
        source.updated_ts = dest.updated_ts = now
        self._bump()

    def transfer_between_subaccounts(self, user_id: str, body: object) -> dict:
        """``POST /portfolio/subaccounts/transfer``: ``amount_cents`` from one subaccount to another on one
        shard (``exchange_index``, default 0). A repeated ``client_transfer_id`` with the same request moves
        nothing again (idempotent); with a different request it is a 409."""
        spec = as_object(body, "subaccount transfer")
        no_unknown(
            spec, {"client_transfer_id", "from_subaccount", "to_subaccount", "amount_cents", "exchange_index"},
            "subaccount transfer",
        )  # fmt: skip
        client_id = _uuid(spec, "client_transfer_id", required=True)
        source = _int(spec, "from_subaccount", low=0)
        dest = _int(spec, "to_subaccount", low=0)
        cents = _int(spec, "amount_cents", low=1)
        shard = check_shard(spec.get("exchange_index", 0))
        if source == dest:
            raise bad_request("from_subaccount and to_subaccount are the same subaccount")
        request = ("subaccount", source, dest, cents, shard)
        with self._lock:
            self._sync()
            member = self._member(user_id)
            if self._repeat(member.client_transfers, ("subaccount", client_id), request) is not None:
                return {}
            src = self._ledger(user_id, source, shard)
            dst = self._ledger(user_id, dest, shard)
            self._move(src, dst, cents * CENT)
            transfer_id = self._new_id()
            member.sub_transfers.append(self._sub_record(transfer_id, source, dest, cents, shard))
            member.client_transfers[("subaccount", client_id)] = (transfer_id, request)
            return {}

    def _sub_record(self, transfer_id: str, source: int, dest: int, cents: int, shard: int) -> dict:
        return {
            "transfer_id": transfer_id,
            "from_subaccount": source,
            "to_subaccount": dest,
            "amount_cents": cents,
            "created_ts": int(self._now()),
            "exchange_index": shard,
        }

    @staticmethod
    def _repeat(seen: dict, key: tuple, request: tuple) -> str | None:
        """The transfer id of an already accepted ``client_transfer_id`` (same request), else None; 409 when the
        id was used for a different request."""
        hit = seen.get(key)
        if hit is None:
            return None
        if hit[1] != request:
            raise SandboxError(
                409, "transfer_already_exists",
                f"client_transfer_id {key[1]} was already used for another transfer ({hit[0]}); use a new id",
            )  # fmt: skip
        return hit[0]

    def intra_exchange_transfer(self, user_id: str, body: object) -> dict:
        """``POST /portfolio/intra_exchange_instance_transfer``: move ``amount`` ($0.0001 units) between shards
        and/or subaccounts of the event-contract exchange -> ``{"transfer_id"}``. Done at once and atomically
        (live: asynchronous, in up to three non-atomic steps); a repeated ``client_transfer_id`` with the same
        request is a 409 that moves nothing (documented)."""
        spec = as_object(body, "intra-exchange transfer")
        no_unknown(
            spec, {"client_transfer_id", "source", "destination", "amount", "source_exchange_shard",
                   "destination_exchange_shard", "source_subaccount", "destination_subaccount"},
            "intra-exchange transfer",
        )  # fmt: skip
        for name in ("source", "destination"):
            value = spec.get(name)
            if value not in ("event_contract", "margined"):
                raise bad_request(f"{name} must be event_contract or margined, got {value!r}")
            if value == "margined":
                raise bad_request(f"{name} margined: the sandbox has no margined exchange instance")
        client_id = _uuid(spec, "client_transfer_id", required=False)
        amount = _int(spec, "amount", low=1)
        src_shard = _int(spec, "source_exchange_shard", default=0, low=0)
        dst_shard = _int(spec, "destination_exchange_shard", default=0, low=0)
        check_shard(src_shard, "source_exchange_shard")
        check_shard(dst_shard, "destination_exchange_shard")
        src_sub = _int(spec, "source_subaccount", default=0, low=0)
        dst_sub = _int(spec, "destination_subaccount", default=0, low=0)
        if (src_shard, src_sub) == (dst_shard, dst_sub):
            raise bad_request("source and destination are the same shard and subaccount: nothing to move")
        if client_id is not None and (src_sub or dst_sub):
            raise bad_request("client_transfer_id is only supported for transfers of the primary account")
        request = ("intra", src_shard, dst_shard, src_sub, dst_sub, amount)
        with self._lock:
            self._sync()
            member = self._member(user_id)
            key = ("intra", client_id, src_shard)
            if client_id is not None and self._repeat(member.client_transfers, key, request) is not None:
                raise SandboxError(
                    409, "transfer_already_exists",
                    f"client_transfer_id {client_id} was already accepted; no new transfer was made",
                )  # fmt: skip
            src = self._ledger(user_id, src_sub, src_shard)
            dst = self._ledger(user_id, dst_sub, dst_shard)
            self._move(src, dst, amount * CENTICENT)
            transfer_id = self._new_id()
            record = {
                "transfer_id": transfer_id,
                "source": "event_contract",
                "destination": "event_contract",
                "source_exchange_shard": src_shard,
                "destination_exchange_shard": dst_shard,
                "amount": money_str(amount * CENTICENT),
                "status": "complete",
                "created_ts": int(self._now()),
            }
            if client_id is not None:
                record["client_transfer_id"] = client_id
                member.client_transfers[key] = (transfer_id, request)
            member.transfers.append(record)
            if src_shard == dst_shard:
                # Documented: a same-shard request is a subaccount transfer, listed in that history too.
                cents = amount * CENTICENT // CENT
                member.sub_transfers.append(self._sub_record(transfer_id, src_sub, dst_sub, cents, src_shard))
            return {"transfer_id": transfer_id}

    def intra_exchange_transfers(self, user_id: str, *, with_keys: bool = False) -> list[dict]:
        """The intra-exchange transfer history, newest first; ``with_keys`` as the other lists."""
        with self._lock:
            member = self._member(user_id)
            rows = list(reversed(member.transfers))
            keys = [(-i,) for i in range(len(rows) - 1, -1, -1)]
            return (rows, keys) if with_keys else rows  # type: ignore[return-value]

    def intra_exchange_transfer_record(self, user_id: str, transfer_id: str) -> dict:
        with self._lock:
            for record in self._member(user_id).transfers:
                if record["transfer_id"] == transfer_id:
                    return record
        raise not_found(f"transfer {transfer_id} does not exist")

    def subaccount_transfers(self, user_id: str, *, with_keys: bool = False) -> list[dict]:
        """The subaccount transfer history, newest first."""
        with self._lock:
            member = self._member(user_id)
            rows = list(reversed(member.sub_transfers))
            keys = [(-i,) for i in range(len(rows) - 1, -1, -1)]
            return (rows, keys) if with_keys else rows  # type: ignore[return-value]

    def target_balance_allocation(self, user_id: str) -> dict:
        """``GET /portfolio/target_balance_allocation``; an empty list means automatic allocation is off."""
        with self._lock:
            member = self._member(user_id)
            return {
                "allocations": [dict(a) for a in member.allocations],
                "resting_margin_reservation": member.reservation,
            }

    def set_target_balance_allocation(self, user_id: str, body: object) -> dict:
        """``POST /portfolio/target_balance_allocation``: percentages per shard totalling 100, or ``[]`` to turn
        automatic allocation off -> ``{}``. The sandbox uses the list only as on/off: with it on, an order
        whose shard lacks collateral draws it from the subaccount's other shards (percentages UNCONFIRMED)."""
        spec = as_object(body, "target balance allocation")
        no_unknown(spec, {"allocations", "resting_margin_reservation"}, "target balance allocation")
        items = spec.get("allocations")
        if not isinstance(items, list):
            raise bad_request(
                'allocations is required: a list of {"exchange_index", "percent"} (or [] for off)'
            )
        if len(items) > 101:
            raise bad_request(f"at most 101 allocations, got {len(items)}")
        reservation = spec.get("resting_margin_reservation", "sum")
        if reservation not in RESERVATIONS:
            raise bad_request(f"resting_margin_reservation must be one of {', '.join(RESERVATIONS)}")
        clean = []
        for item in items:
            if not isinstance(item, dict):
                raise bad_request('each allocation must be an object {"exchange_index": int, "percent": int}')
            no_unknown(item, {"exchange_index", "percent"}, "allocation")
            shard = check_shard(_int(item, "exchange_index", low=0))
            percent = _int(item, "percent", low=0)
            if percent > 100:
                raise bad_request(f"percent must be between 0 and 100, got {percent}")
            clean.append({"exchange_index": shard, "percent": percent})
        shards = [a["exchange_index"] for a in clean]
        if len(set(shards)) != len(shards):
            raise bad_request("each exchange_index may appear only once in allocations")
        if clean and sum(a["percent"] for a in clean) != 100:
            raise bad_request(
                f"allocation percentages must total 100, got {sum(a['percent'] for a in clean)}"
            )
        with self._lock:
            member = self._member(user_id)
            member.allocations = clean
            member.reservation = str(reservation)
            self._bump()
        return {}

    def set_auto_allocation(self, user_id: str, enabled: bool) -> None:
        """Control: automatic allocation on (the default 100% on shard 0) or off, for one user."""
        allocations = [{"exchange_index": 0, "percent": 100}] if enabled else []
        self.set_target_balance_allocation(user_id, {"allocations": allocations})

    def _fund(self, acct: _Account, need: int) -> list[tuple[_Account, int]]:
        """Automatic allocation: bring free cash from the subaccount's other shards (shard 0 first) until
        ``acct`` has ``need`` free; return the moves made (so a refused order can undo them)."""
        member = self._members[acct.user_id]
        short = need - (acct.cash - acct.held)
        moves: list[tuple[_Account, int]] = []
        if short <= 0 or not member.allocations:
            return moves
        for other in self._ledgers(acct.user_id, acct.subaccount):
            if other is acct or short <= 0:
                continue
            take = min(short, other.cash - other.held)
            if take > 0:
                other.cash -= take
                acct.cash += take
                moves.append((other, take))
                short -= take
        return moves

    @staticmethod
    def _unfund(acct: _Account, moves: list[tuple[_Account, int]], limit: int | None = None) -> None:
        """Undo ``_fund``'s moves, the last first, up to ``limit`` micro-dollars in all (None: every move)."""
        left = sum(take for _, take in moves) if limit is None else limit
        for other, take in reversed(moves):
            back = min(take, left)
            other.cash += back
            acct.cash -= back
            left -= back
