"""The preview: what an order would do, from reads only (market, book, event, series, balance, position
and the account's own resting orders). It renders as an HTML table and is what ``place_order`` takes.

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")
    >>> p = preview_order("KXFEDDECISION-26DEC-H0", "yes", "buy", 10, "0.45", client=client)
    >>> p.body["side"], p.env_label, "production" in p.warning_codes
    ('bid', 'sandbox', False)
"""

from __future__ import annotations

import time
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, cast
from urllib.parse import urlsplit

from .. import fees, safety
from ..errors import KalshiAPIError
from ..fees import KNOWN_FEE_TYPES, fee_coefficients, fee_schedule, trading_fee
from ..pauses import describe_pause
from ..safety import is_production, live_trading_enabled
from .amounts import ONE, ZERO, _cents, _dec, _dollars, _levels, _notional, _num, _opt_dec, _parse_time, _usd
from .render import ENV_LABELS, render_preview_html
from .request import OrderRequest, client_or_default
from .session import placed_orders

if TYPE_CHECKING:
    from ..client import KalshiClient

ORDERS_PATH = "/portfolio/events/orders"  # V2 create-order, relative to the API base
FAR_FROM_MID = Decimal("0.10")  # a limit this far (in YES dollars) from the mid is worth a second look
CLOSING_SOON = timedelta(minutes=10)


class PreviewWarning(NamedTuple):
    code: str
    text: str


class Fill(NamedTuple):
    """One level the order would take now. ``price`` is of the bought outcome; ``fee`` is its taker fee."""

    yes_price: Decimal
    count: Decimal  # type: ignore[assignment]  # the field shadows tuple.count, as Kalshi names it
    price: Decimal
    fee: Decimal


@dataclass(frozen=True, eq=False, repr=False)
class OrderPreview:
    """What an order would do, from reads only. Built by ``preview_order``; placed by ``place_order``.

    Money is in dollars (``Decimal``); prices of the *bought* outcome unless named ``yes``. The resting
    part is assumed to fill whole at the limit for cost, maker fee, payout and P&L.
    """

    request: OrderRequest
    env: str
    api_base: str
    method: str
    path: str
    body: Mapping[str, Any]
    best_bid: Decimal | None  # YES
    best_ask: Decimal | None  # YES
    fills: tuple[Fill, ...]
    fill_count: Decimal
    average_price: Decimal | None
    rest_count: Decimal
    unfilled_count: Decimal  # what IOC/FOK or self-trade prevention would cancel
    cost_now: Decimal
    cost_rest: Decimal
    taker_fee: Decimal
    maker_fee: Decimal
    fee_type: str
    fee_multiplier: Decimal
    payout: Decimal
    pnl_if_yes: Decimal
    pnl_if_no: Decimal
    break_even: Decimal | None
    closing_credit: Decimal
    balance: Decimal | None
    balance_after: Decimal | None
    spend_cap: Decimal
    worst_case: Decimal  # limit price x count + the largest possible fee: what the spend cap checks
    taker_coefficient: Decimal
    warnings: tuple[PreviewWarning, ...]
    created_at: datetime
    client: Any = field(repr=False)
    created_monotonic: float = field(default_factory=time.monotonic)
    exchange_index: int | None = None  # the market's shard (orders there draw on that shard's collateral)
    shard_balance: Decimal | None = None  # the balance on that shard (None: unknown)

    @property
    def client_order_id(self) -> str:
        return self.request.client_order_id

    @property
    def ticker(self) -> str:
        return self.request.ticker

    @property
    def cost(self) -> Decimal:
        """Cost of the contracts: what fills now plus the resting part at the limit."""
        return self.cost_now + self.cost_rest

    @property
    def fees(self) -> Decimal:
        return self.taker_fee + self.maker_fee

    @property
    def total(self) -> Decimal:
        """Cost plus fees: what the spend cap is checked against."""
        return self.cost + self.fees

    @property
    def cash_needed(self) -> Decimal:
        """Cash the exchange takes or holds: as ``total``, less $1 per contract pair closed right away."""
        return (
            max(ZERO, self.cost_now + self.taker_fee - self.closing_credit) + self.cost_rest + self.maker_fee
        )

    @property
    def mid(self) -> Decimal | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return (self.best_bid + self.best_ask) / 2

    @property
    def warning_codes(self) -> set[str]:
        return {w.code for w in self.warnings}

    @property
    def env_label(self) -> str:
        return ENV_LABELS.get(self.env, self.env)

    @property
    def age(self) -> float:
        return time.monotonic() - self.created_monotonic

    def __repr__(self) -> str:
        warn = f" warnings={sorted(self.warning_codes)}" if self.warnings else ""
        return (
            f"<OrderPreview {self.env_label} {self.ticker}: {self.request.describe()} total {_usd(self.total)}"
            f"{warn}>"
        )

    def _repr_html_(self) -> str:
        return render_preview_html(self)


def preview_order(
    request: OrderRequest | str,
    outcome: str | None = None,
    action: str | None = None,
    count: object = None,
    price: object = None,
    time_in_force: str = "good_till_canceled",
    *,
    price_cents: int | None = None,
    client: KalshiClient | None = None,
    spend_cap: object = None,
    now: datetime | None = None,
) -> OrderPreview:
    """Preview an order without writing anything: only GET requests are sent.

    Pass an ``OrderRequest``, or a ticker and the order's fields (the request is then built here from a
    fresh read of the market). ``spend_cap`` (dollars) defaults to the session's (``set_spend_cap``).
    ``now`` (tz-aware) is the time the closing-soon warning measures from (default: the system clock).

    Example:
        >>> import kalshi_nb
        >>> client = kalshi_nb.connect("sandbox")
        >>> p = preview_order("KXFEDDECISION-26DEC-H0", "yes", "buy", 10, "0.02")
        >>> p.body["side"], p.fill_count, p.rest_count      # far below the ask: nothing fills, all of it rests
        ('bid', Decimal('0'), Decimal('10'))
    """
    client = client_or_default(client)
    if isinstance(request, OrderRequest):
        if any(v is not None for v in (outcome, action, count, price, price_cents)):
            raise TypeError("pass either an OrderRequest or a ticker with the order's fields, not both")
        market = client.get_market(request.ticker)
        request.check_market(market)  # it may have closed since the request was built
    elif isinstance(request, str):
        missing = [n for n, v in (("outcome", outcome), ("action", action), ("count", count)) if v is None]
        if missing:
            raise TypeError(f"preview_order({request!r}, ...) needs {', '.join(missing)}")
        market = client.get_market(request.strip())
        request = OrderRequest(
            market,
            cast(str, outcome),
            cast(str, action),
            count,
            price,
            time_in_force,
            price_cents=price_cents,
        )
    else:
        raise TypeError(f"preview_order takes an OrderRequest or a ticker, got {type(request).__name__}")
    cap = safety.spend_cap() if spend_cap is None else _dollars(spend_cap, "spend_cap")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware (e.g. datetime.now(timezone.utc))")
    return _build_preview(client, request, market, cap, now or _utcnow())


def _build_preview(
    client: KalshiClient, req: OrderRequest, market: Mapping[str, Any], cap: Decimal, now: datetime
) -> OrderPreview:
    book = client.get_orderbook(req.ticker).get("orderbook_fp") or {}
    yes_bids = _levels(book.get("yes_dollars"))
    no_bids = _levels(book.get("no_dollars"))
    best_bid = max(yes_bids) if yes_bids else None
    best_ask = ONE - max(no_bids) if no_bids else None

    event = client.get_event(str(market["event_ticker"])).get("event") or {}
    series = (
        client.get_series(str(event["series_ticker"])).get("series") or {}
        if event.get("series_ticker")
        else {}
    )
    fee_type, multiplier = fee_schedule(series, event)
    taker_coef, maker_coef = fee_coefficients(fee_type, multiplier)

    balance = position = None
    shard = _shard_of(market)
    shards: dict[int, Decimal] | None = None
    own: dict[Decimal, Decimal] = {}
    if not client.is_read_only:
        raw = client.get_balance()
        # balance_dollars keeps $0.0001 (fractional fills cost sub-cent amounts); balance is whole cents
        balance = _opt_dec(raw.get("balance_dollars"))
        if balance is None:
            balance = Decimal(int(raw["balance"])) / 100
        shards = _breakdown(raw)
        for p in client.get_positions(ticker=req.ticker).get("market_positions") or []:
            if p.get("ticker") == req.ticker:
                position = _dec(p.get("position_fp", "0"))
        # Our own resting orders on the other side: crossing them triggers self-trade prevention.
        for o in client.paginate("get_orders", ticker=req.ticker, status="resting", limit=1000):
            if o.get("book_side") and o["book_side"] != req.book_side:
                yes = _dec(o["yes_price_dollars"])
                own[yes] = own.get(yes, ZERO) + _dec(o.get("remaining_count_fp", "0"))

    # Walk the other side of the book, best price first: a YES bid at p takes NO bids at q >= 1 - p.
    opposite = no_bids if req.book_side == "bid" else yes_bids
    fills: list[Fill] = []
    left = req.count
    stopped_by_own = None
    for level in sorted(opposite, reverse=True):
        yes_fill = ONE - level if req.book_side == "bid" else level
        crosses = yes_fill <= req.yes_price if req.book_side == "bid" else yes_fill >= req.yes_price
        if not crosses or left == 0:
            break
        size = opposite[level]
        mine = own.get(yes_fill, ZERO)
        available = max(ZERO, size - mine)
        take = min(left, available)
        if take > 0:
            price = yes_fill if req.bought_outcome == "yes" else ONE - yes_fill
            fills.append(Fill(yes_fill, take, price, trading_fee(take, yes_fill, taker_coef)))
            left -= take
        if mine > 0 and left > 0:
            stopped_by_own = yes_fill
            break

    warnings: list[PreviewWarning] = []
    fill_count = sum((f.count for f in fills), ZERO)
    if req.time_in_force == "fill_or_kill" and fill_count < req.count:
        warnings.append(
            PreviewWarning(
                "fill_or_kill_unfillable",
                f"fill-or-kill: only {_num(fill_count)} of {_num(req.count)} can fill at your limit now, so the "
                "exchange will refuse the whole order",
            )
        )
        fills, fill_count = [], ZERO
    rests = req.time_in_force == "good_till_canceled" and stopped_by_own is None
    rest_count = req.count - fill_count if rests else ZERO
    unfilled = req.count - fill_count - rest_count
    if stopped_by_own is not None:
        warnings.append(
            PreviewWarning(
                "self_trade",
                f"this order crosses your own resting order at YES {_usd(stopped_by_own)}: self-trade prevention "
                f"(taker_at_cross) cancels the rest of this order ({_num(unfilled)} contracts)",
            )
        )

    cost_now = sum((f.count * f.price for f in fills), ZERO)
    taker_fee = sum((f.fee for f in fills), ZERO)
    cost_rest = rest_count * req.bought_price
    maker_fee = trading_fee(rest_count, req.yes_price, maker_coef)
    held = fill_count + rest_count
    payout = held * _notional(market)
    spent = cost_now + cost_rest + taker_fee + maker_fee
    pnl_bought, pnl_other = payout - spent, -spent
    pnl_if_yes, pnl_if_no = (
        (pnl_bought, pnl_other) if req.bought_outcome == "yes" else (pnl_other, pnl_bought)
    )
    break_even = spent / payout if payout else None
    opposite_held = ZERO
    if position is not None:
        opposite_held = max(ZERO, -position) if req.bought_outcome == "yes" else max(ZERO, position)
    closing_credit = min(fill_count, opposite_held) * ONE
    cash_needed = max(ZERO, cost_now + taker_fee - closing_credit) + cost_rest + maker_fee
    balance_after = balance - cash_needed if balance is not None else None

    # --- warnings ---
    if best_bid is not None and best_ask is not None:
        mid = (best_bid + best_ask) / 2
        if abs(req.yes_price - mid) > FAR_FROM_MID:
            warnings.append(
                PreviewWarning(
                    "far_from_mid",
                    f"the limit (YES {_usd(req.yes_price)}) is {_cents(abs(req.yes_price - mid))} from the mid "
                    f"(YES {_usd(mid)}): is the price what you meant?",
                )
            )
    if balance is not None and cash_needed > balance:
        warnings.append(
            PreviewWarning(
                "over_balance",
                f"this order needs {_usd(cash_needed)} but the balance is {_usd(balance)}: the exchange will refuse it",
            )
        )
    elif balance is None:
        warnings.append(PreviewWarning("balance_unknown", "balance unknown (read-only client)"))
    shard_balance = None if shards is None or shard is None else shards.get(shard, ZERO)
    if shard is not None and shard_balance is not None and shards is not None and cash_needed > shard_balance:
        short = _shard_warning(client, req, shard, shard_balance, shards, cash_needed)
        if short is not None:
            warnings.append(short)
    pause = _pause_of(client)
    if pause is not None:
        warnings.append(
            PreviewWarning(
                "trading_paused",
                f"trading is paused (Kalshi's weekly pause, Thursday 03:00-05:00 ET): place_order will refuse "
                f"this order until then; {describe_pause(pause)}",
            )
        )
    worst_case = fees.worst_case_cost(req.count, req.yes_price, req.book_side, taker_coef)
    if worst_case > cap:
        warnings.append(
            PreviewWarning(
                "over_spend_cap",
                f"this order can cost up to {_usd(worst_case)} (limit x count + the largest possible fee), above the "
                f"spend cap of {_usd(cap)} per order: place_order will refuse it (raise the cap with "
                "kalshi_nb.set_spend_cap(...) if you mean it)",
            )
        )
    closes = _parse_time(market.get("close_time"))
    if closes is not None and closes - now < CLOSING_SOON:
        seconds_left = (closes - now).total_seconds()
        text = (
            f"the market closes in {int(seconds_left // 60)} min ({closes:%H:%M} UTC)"
            if seconds_left > 0
            else f"the market's close time ({closes:%Y-%m-%d %H:%M} UTC) has passed by this computer's clock"
        )
        warnings.append(PreviewWarning("closing_soon", text))
    if fee_type not in KNOWN_FEE_TYPES:
        warnings.append(
            PreviewWarning(
                "fee_type_unknown",
                f"fee type {fee_type!r} is not modelled here: the fees shown use the general quadratic formula",
            )
        )
    if market.get("market_type") == "scalar":
        warnings.append(
            PreviewWarning(
                "scalar",
                "scalar market: the payout depends on the settlement value; $1 per contract is the maximum",
            )
        )
    if is_production(client):
        enabled = live_trading_enabled(client)
        warnings.append(
            PreviewWarning(
                "production",
                "PRODUCTION: this order would use real money"
                + (
                    ""
                    if enabled
                    else "; live trading is not enabled, so place_order will refuse it "
                    "(kalshi_nb.enable_live_trading(client))"
                ),
            )
        )
    recent = placed_orders.recent_duplicate(client.api_base, req)
    if recent is not None:
        warnings.append(
            PreviewWarning(
                "duplicate",
                f"an identical order ({recent.order_id}) was placed from this session {int(time.time() - recent.placed_ts)} s "
                "ago: is this a re-run cell?",
            )
        )

    return OrderPreview(
        request=req,
        env=client.env,
        api_base=client.api_base,
        method="POST",
        path=urlsplit(client.api_base).path + ORDERS_PATH,
        body=types.MappingProxyType(req.body),  # read-only: the preview shows what is sent
        best_bid=best_bid,
        best_ask=best_ask,
        fills=tuple(fills),
        fill_count=fill_count,
        average_price=cost_now / fill_count if fill_count else None,
        rest_count=rest_count,
        unfilled_count=unfilled,
        cost_now=cost_now,
        cost_rest=cost_rest,
        taker_fee=taker_fee,
        maker_fee=maker_fee,
        fee_type=fee_type,
        fee_multiplier=multiplier,
        payout=payout,
        pnl_if_yes=pnl_if_yes,
        pnl_if_no=pnl_if_no,
        break_even=break_even,
        closing_credit=closing_credit,
        balance=balance,
        balance_after=balance_after,
        spend_cap=cap,
        worst_case=worst_case,
        taker_coefficient=taker_coef,
        warnings=tuple(warnings),
        created_at=datetime.now(timezone.utc),
        client=client,
        exchange_index=shard,
        shard_balance=shard_balance,
    )


def _shard_of(market: Mapping[str, Any]) -> int | None:
    value = market.get("exchange_index")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _breakdown(balance: Mapping[str, Any]) -> dict[int, Decimal] | None:
    """``balance_breakdown`` as {shard: dollars}; None when the answer has none (a scoped balance)."""
    rows = balance.get("balance_breakdown")
    if not isinstance(rows, list):
        return None
    out: dict[int, Decimal] = {}
    for row in rows:
        if isinstance(row, Mapping) and isinstance(row.get("exchange_index"), int):
            amount = _opt_dec(row.get("balance"))
            if amount is not None:
                out[row["exchange_index"]] = out.get(row["exchange_index"], ZERO) + amount
    return out


def _shard_warning(
    client: KalshiClient,
    req: OrderRequest,
    shard: int,
    held: Decimal,
    shards: Mapping[int, Decimal],
    needed: Decimal,
) -> PreviewWarning | None:
    """``shard_collateral`` when the market's shard lacks the cash and automatic allocation is off (or
    cannot be read); None when allocation will move it."""
    try:
        auto = bool(client.get_target_balance_allocation().get("allocations"))
    except KalshiAPIError:
        auto = False  # unknown: warn, the safe side
    if auto:
        return None
    missing = needed - held
    others = {k: v for k, v in shards.items() if k != shard and v > 0}
    source = max(others, key=lambda k: others[k]) if others else 0
    amount = format(missing.quantize(Decimal("0.01"), rounding=ROUND_CEILING), "f")
    return PreviewWarning(
        "shard_collateral",
        f"{req.ticker} trades on exchange shard {shard}, which holds {_usd(held)}; this order needs "
        f"{_usd(needed)} there and automatic allocation is off, so the exchange will refuse it. Move "
        f"collateral first: client.transfer_between_shards({amount!r}, from_shard={source}, to_shard={shard}) "
        "(or turn automatic allocation on: client.set_target_balance_allocation({...}))",
    )


def _pause_of(client: Any) -> tuple[datetime, datetime] | None:
    check = getattr(client, "trading_pause", None)
    return check() if callable(check) else None


def _utcnow() -> datetime:
    """The time previews measure "closing soon" from (one seam, so tests can follow a sandbox's clock)."""
    return datetime.now(timezone.utc)
