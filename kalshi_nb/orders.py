"""Orders from a notebook, the safe way: a validated request, a preview that never writes, then one writer.

1. ``OrderRequest``: ticker, outcome (yes/no), action (buy/sell), count, limit price (dollars, of the
   outcome) and time in force, checked against the market itself when it is built (price grid, sub-penny
   included; fractional counts; market open). Its ``client_order_id`` is minted then, once.
2. ``preview_order(...)``: reads only (market, book, event, series, balance, position, own resting orders)
   and returns an ``OrderPreview`` that renders as an HTML table: the exact V2 request, the book, what
   fills now and what rests, cost, fees, payout, P&L either way, break-even, balance after, warnings.
3. ``place_order(preview, confirm=True)``: the only writer. It takes a preview and nothing else; the same
   preview placed twice is one order (the second call returns the first result, with no request); it
   refuses production unless ``enable_live_trading`` was called, and refuses above the spend cap.

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")
    >>> p = kalshi_nb.preview_order("KXFEDDECISION-26DEC-H0", "yes", "buy", 10, "0.45")  # doctest: +SKIP
    >>> p                                    # an HTML table in a notebook           # doctest: +SKIP
    >>> placed = kalshi_nb.place_order(p, confirm=True)                                 # doctest: +SKIP
    >>> kalshi_nb.place_order(p, confirm=True) is placed      # one order, not two      # doctest: +SKIP
    True
"""

from __future__ import annotations

import html
import logging
import threading
import time
import types
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from . import fees, order_v2, safety
from .errors import (
    LiveTradingDisabledError,
    MarketNotOpenError,
    OrderRefusedError,
    SpendCapError,
    StalePreviewError,
)
from .fees import (
    KNOWN_FEE_TYPES,
    MAKER_COEFFICIENT,
    MAKER_FEE_TYPES,
    TAKER_COEFFICIENT,
    fee_coefficients,
    fee_schedule,
    trading_fee,
)
from .safety import (
    DEFAULT_SPEND_CAP,
    SAFE_ENVS,
    disable_live_trading,
    enable_live_trading,
    is_production,
    live_trading_enabled,
    set_spend_cap,
    spend_cap,
)

if TYPE_CHECKING:
    import pandas as pd

    from .client import KalshiClient

log = logging.getLogger(__name__)

ORDERS_PATH = "/portfolio/events/orders"  # V2 create-order, relative to the API base
ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")

FAR_FROM_MID = Decimal("0.10")  # a limit this far (in YES dollars) from the mid is worth a second look
CLOSING_SOON = timedelta(minutes=10)
PREVIEW_MAX_AGE = 300.0  # seconds: an older preview describes a book that has likely moved
DUPLICATE_WINDOW = 600.0  # seconds: an identical order placed this recently gets a warning in the preview

ENV_LABELS = {"local": "sandbox", "demo": "demo", "prod": "production"}


# --- the request ---------------------------------------------------------------------------------------

@dataclass(frozen=True, init=False, eq=False, repr=False)
class OrderRequest:
    """A limit order, validated against its market when built; ``client_order_id`` is minted then.

    ``price`` is the limit in dollars of the outcome named (``"0.45"``, or ``"0.055"`` on a sub-penny
    market); ``price_cents`` (an integer 1-99) is the alternative. ``count`` may be fractional (multiples
    of 0.01) only where the market allows it. ``market`` is the market object (``client.get_market``);
    ``OrderRequest.for_ticker`` reads it for you.

    Example:
        >>> req = OrderRequest(market, "no", "buy", 3, "0.30")     # doctest: +SKIP
        >>> req.body["side"], req.body["price"]                    # doctest: +SKIP
        ('ask', '0.7000')
    """

    market: Mapping[str, Any]
    outcome: str
    action: str
    count: Decimal
    price: Decimal
    time_in_force: str
    client_order_id: str

    def __init__(self, market: Mapping[str, Any], outcome: str, action: str, count: object,
                 price: object = None, time_in_force: str = "good_till_canceled", *,
                 price_cents: int | None = None, client_order_id: str | None = None) -> None:
        if not isinstance(market, Mapping) or not market.get("ticker"):
            raise TypeError("market must be a market object with a ticker (client.get_market(ticker))")
        setter = object.__setattr__  # frozen: every field is set once, here
        setter(self, "market", dict(market))
        setter(self, "outcome", _check_outcome(outcome))
        setter(self, "action", _check_action(action))
        setter(self, "time_in_force", order_v2.check_time_in_force(time_in_force))
        setter(self, "price", _parse_limit(price, price_cents))
        setter(self, "count", order_v2.parse_count(count, fractional_allowed=order_v2.fractional_allowed(market)))
        setter(self, "client_order_id", order_v2.new_client_order_id() if client_order_id is None
               else order_v2.check_client_order_id(client_order_id))
        self.check_market(market)

    @classmethod
    def for_ticker(cls, ticker: str, outcome: str, action: str, count: object, price: object = None,
                   time_in_force: str = "good_till_canceled", *, price_cents: int | None = None,
                   client: KalshiClient | None = None) -> OrderRequest:
        """Read the market (one GET) and build the request against it.

        Example:
            >>> OrderRequest.for_ticker("KXFEDDECISION-26DEC-H0", "yes", "buy", 10, "0.45")  # doctest: +SKIP
        """
        if not isinstance(ticker, str) or not ticker.strip():
            raise ValueError(f"ticker must be a market ticker, got {ticker!r}")
        market = _client(client).get_market(ticker.strip())
        return cls(market, outcome, action, count, price, time_in_force, price_cents=price_cents)

    def check_market(self, market: Mapping[str, Any]) -> None:
        """Raise unless ``market`` (a fresh read of the same market) is open and takes this price and count."""
        ticker = market.get("ticker")
        if ticker != self.market.get("ticker"):
            raise ValueError(f"this request is for {self.ticker}, not {ticker}")
        status = market.get("status")
        if status not in ("active", "open"):
            raise MarketNotOpenError(f"market {ticker} is not open for trading (status {status!r}); "
                                     "pick an open market")
        grid = order_v2.price_grid(market)
        yes = order_v2.yes_price(self.outcome, self.price)
        if not order_v2.on_grid(yes, grid):
            steps = ", ".join(f"{_num(a)}-{_num(b)} step {_num(s)}" for a, b, s in grid)
            raise ValueError(
                f"limit {_num(self.price)} for {self.outcome.upper()} (YES price {_num(yes)}) is not on {ticker}'s "
                f"price grid ({market.get('price_level_structure', 'linear_cent')}: {steps})"
            )
        order_v2.parse_count(self.count, fractional_allowed=order_v2.fractional_allowed(market))

    # --- derived ---
    @property
    def ticker(self) -> str:
        return str(self.market["ticker"])

    @property
    def book_side(self) -> str:
        """V2 ``side``: ``bid`` for buy YES / sell NO, ``ask`` for buy NO / sell YES."""
        return order_v2.book_side(self.outcome, self.action)

    @property
    def yes_price(self) -> Decimal:
        """V2 ``price``: the YES price, whatever the outcome."""
        return order_v2.yes_price(self.outcome, self.price)

    @property
    def bought_outcome(self) -> str:
        """The outcome whose contracts this order acquires: selling YES is buying NO, and vice versa."""
        return "yes" if self.book_side == "bid" else "no"

    @property
    def bought_price(self) -> Decimal:
        """The limit price of the bought outcome (``1 - price`` for a sell)."""
        return self.price if self.action == "buy" else ONE - self.price

    @property
    def body(self) -> dict[str, Any]:
        """The V2 create-order body this request sends (a fresh dict each time)."""
        return order_v2.build_order_body(
            ticker=self.ticker, side=self.outcome, action=self.action, count=self.count, price=self.price,
            client_order_id=self.client_order_id, time_in_force=self.time_in_force,
        )

    def describe(self) -> str:
        """``buy 10 YES @ $0.45 GTC``."""
        tif = {"good_till_canceled": "GTC", "immediate_or_cancel": "IOC", "fill_or_kill": "FOK"}[self.time_in_force]
        return f"{self.action} {_num(self.count)} {self.outcome.upper()} @ {_usd(self.price)} {tif}"

    def __repr__(self) -> str:
        return f"<OrderRequest {self.ticker}: {self.describe()} client_order_id={self.client_order_id}>"


# --- the preview -----------------------------------------------------------------------------------------

class PreviewWarning(NamedTuple):
    code: str
    text: str


class Fill(NamedTuple):
    """One level the order would take now. ``price`` is of the bought outcome; ``fee`` is its taker fee."""

    yes_price: Decimal
    count: Decimal
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
        return max(ZERO, self.cost_now + self.taker_fee - self.closing_credit) + self.cost_rest + self.maker_fee

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
        return (f"<OrderPreview {self.env_label} {self.ticker}: {self.request.describe()} total {_usd(self.total)}"
                f"{warn}>")

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
        >>> p = preview_order("KXFEDDECISION-26DEC-H0", "yes", "buy", 10, "0.45")   # doctest: +SKIP
        >>> p.body["side"], p.taker_fee, p.warning_codes                           # doctest: +SKIP
    """
    client = _client(client)
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
        request = OrderRequest(market, outcome, action, count, price, time_in_force,  # type: ignore[arg-type]
                               price_cents=price_cents)
    else:
        raise TypeError(f"preview_order takes an OrderRequest or a ticker, got {type(request).__name__}")
    cap = safety.spend_cap() if spend_cap is None else _dollars(spend_cap, "spend_cap")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware (e.g. datetime.now(timezone.utc))")
    return _build_preview(client, request, market, cap, now or _utcnow())


def _build_preview(client: KalshiClient, req: OrderRequest, market: Mapping[str, Any], cap: Decimal,
                   now: datetime) -> OrderPreview:
    book = client.get_orderbook(req.ticker).get("orderbook_fp") or {}
    yes_bids = _levels(book.get("yes_dollars"))
    no_bids = _levels(book.get("no_dollars"))
    best_bid = max(yes_bids) if yes_bids else None
    best_ask = ONE - max(no_bids) if no_bids else None

    event = client.get_event(str(market["event_ticker"])).get("event") or {}
    series = client.get_series(str(event["series_ticker"])).get("series") or {} if event.get("series_ticker") else {}
    fee_type, multiplier = fee_schedule(series, event)
    taker_coef, maker_coef = fee_coefficients(fee_type, multiplier)

    balance = position = None
    own: dict[Decimal, Decimal] = {}
    if not client.is_read_only:
        raw = client.get_balance()
        # balance_dollars keeps $0.0001 (fractional fills cost sub-cent amounts); balance is whole cents
        balance = _opt_dec(raw.get("balance_dollars"))
        if balance is None:
            balance = Decimal(int(raw["balance"])) / 100
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
        warnings.append(PreviewWarning(
            "fill_or_kill_unfillable",
            f"fill-or-kill: only {_num(fill_count)} of {_num(req.count)} can fill at your limit now, so the "
            "exchange will refuse the whole order"))
        fills, fill_count = [], ZERO
    rests = req.time_in_force == "good_till_canceled" and stopped_by_own is None
    rest_count = req.count - fill_count if rests else ZERO
    unfilled = req.count - fill_count - rest_count
    if stopped_by_own is not None:
        warnings.append(PreviewWarning(
            "self_trade",
            f"this order crosses your own resting order at YES {_usd(stopped_by_own)}: self-trade prevention "
            f"(taker_at_cross) cancels the rest of this order ({_num(unfilled)} contracts)"))

    cost_now = sum((f.count * f.price for f in fills), ZERO)
    taker_fee = sum((f.fee for f in fills), ZERO)
    cost_rest = rest_count * req.bought_price
    maker_fee = trading_fee(rest_count, req.yes_price, maker_coef)
    held = fill_count + rest_count
    payout = held * _notional(market)
    spent = cost_now + cost_rest + taker_fee + maker_fee
    pnl_bought, pnl_other = payout - spent, -spent
    pnl_if_yes, pnl_if_no = (pnl_bought, pnl_other) if req.bought_outcome == "yes" else (pnl_other, pnl_bought)
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
            warnings.append(PreviewWarning(
                "far_from_mid",
                f"the limit (YES {_usd(req.yes_price)}) is {_cents(abs(req.yes_price - mid))} from the mid "
                f"(YES {_usd(mid)}): is the price what you meant?"))
    if balance is not None and cash_needed > balance:
        warnings.append(PreviewWarning(
            "over_balance",
            f"this order needs {_usd(cash_needed)} but the balance is {_usd(balance)}: the exchange will refuse it"))
    elif balance is None:
        warnings.append(PreviewWarning("balance_unknown", "balance unknown (read-only client)"))
    worst_case = fees.worst_case_cost(req.count, req.yes_price, req.book_side, taker_coef)
    if worst_case > cap:
        warnings.append(PreviewWarning(
            "over_spend_cap",
            f"this order can cost up to {_usd(worst_case)} (limit x count + the largest possible fee), above the "
            f"spend cap of {_usd(cap)} per order: place_order will refuse it (raise the cap with "
            "kalshi_nb.set_spend_cap(...) if you mean it)"))
    closes = _parse_time(market.get("close_time"))
    if closes is not None and closes - now < CLOSING_SOON:
        left = (closes - now).total_seconds()
        text = (f"the market closes in {int(left // 60)} min ({closes:%H:%M} UTC)" if left > 0 else
                f"the market's close time ({closes:%Y-%m-%d %H:%M} UTC) has passed by this computer's clock")
        warnings.append(PreviewWarning("closing_soon", text))
    if fee_type not in KNOWN_FEE_TYPES:
        warnings.append(PreviewWarning(
            "fee_type_unknown",
            f"fee type {fee_type!r} is not modelled here: the fees shown use the general quadratic formula"))
    if market.get("market_type") == "scalar":
        warnings.append(PreviewWarning(
            "scalar", "scalar market: the payout depends on the settlement value; $1 per contract is the maximum"))
    if is_production(client):
        enabled = live_trading_enabled(client)
        warnings.append(PreviewWarning(
            "production",
            "PRODUCTION: this order would use real money" + (
                "" if enabled else "; live trading is not enabled, so place_order will refuse it "
                                   "(kalshi_nb.enable_live_trading(client))")))
    recent = _recent_duplicate(client, req)
    if recent is not None:
        warnings.append(PreviewWarning(
            "duplicate",
            f"an identical order ({recent.order_id}) was placed from this session {int(time.time() - recent.placed_ts)} s "
            "ago: is this a re-run cell?"))

    request = {"method": "POST", "path": urlsplit(client.api_base).path + ORDERS_PATH, "body": req.body}
    return OrderPreview(
        request=req, env=client.env, api_base=client.api_base, method=request["method"], path=request["path"],
        body=types.MappingProxyType(request["body"]),  # read-only: the preview shows what is sent
        best_bid=best_bid, best_ask=best_ask, fills=tuple(fills), fill_count=fill_count,
        average_price=cost_now / fill_count if fill_count else None, rest_count=rest_count, unfilled_count=unfilled,
        cost_now=cost_now, cost_rest=cost_rest, taker_fee=taker_fee, maker_fee=maker_fee, fee_type=fee_type,
        fee_multiplier=multiplier, payout=payout, pnl_if_yes=pnl_if_yes, pnl_if_no=pnl_if_no, break_even=break_even,
        closing_credit=closing_credit, balance=balance, balance_after=balance_after, spend_cap=cap,
        worst_case=worst_case, taker_coefficient=taker_coef, warnings=tuple(warnings), created_at=datetime.now(timezone.utc), client=client,
    )


# --- placing: the only writer --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class PlacedOrder:
    """The result of ``place_order``: the exchange's receipt, normalised.

    ``status`` is ``resting``, ``executed`` or ``canceled`` at placement time (``refresh()`` reads it again).
    ``average_fill_price`` is in YES terms, as the exchange reports it.
    """

    preview: OrderPreview
    order_id: str
    client_order_id: str
    ticker: str
    status: str
    fill_count: Decimal
    remaining_count: Decimal
    average_fill_price: Decimal | None
    average_fee_paid: Decimal | None
    reconciled: bool
    receipt: Mapping[str, Any]
    placed_at: datetime
    placed_ts: float = field(default_factory=time.time)

    @property
    def is_resting(self) -> bool:
        return self.status == "resting"

    @property
    def client(self) -> Any:
        return self.preview.client

    def refresh(self) -> dict:
        """``GET /portfolio/orders/{order_id}``: the order as it is now."""
        return self.client.get_order(self.order_id)["order"]

    def cancel(self) -> dict:
        """Cancel the resting remainder (``cancel_order(self)``)."""
        return cancel_order(self)

    def __repr__(self) -> str:
        return (f"<PlacedOrder {self.preview.env_label} {self.ticker} {self.order_id} {self.status}: "
                f"filled {_num(self.fill_count)}, resting {_num(self.remaining_count)}>")

    def _repr_html_(self) -> str:
        return render_receipt_html(self)


_results_lock = threading.Lock()
# (api_base, client_order_id) -> the PlacedOrder returned first, so a re-run returns the same object. The
# journal, not this cache, is what prevents a second send (it survives the kernel).
_results: dict[tuple[str, str], PlacedOrder] = {}
_placed_recently: list[PlacedOrder] = []


def place_order(preview: OrderPreview, *, confirm: bool = False, spend_cap: object = None,
                max_age: float | None = PREVIEW_MAX_AGE) -> PlacedOrder:
    """Place a previewed order through the client's one guarded writer.

    - It takes an ``OrderPreview`` (from ``preview_order``) and nothing else, and ``confirm=True``.
    - The same preview placed twice (a re-run cell, a double click, two threads, a restarted kernel with
      the same id) is one order: the order journal finds the first and nothing more is sent.
    - Production needs ``enable_live_trading()`` (for this client or the session) first.
    - An order whose worst case (limit x count + the largest fee) is above the spend cap is refused.
    - A preview older than ``max_age`` seconds is refused (preview again; None turns the check off).

    Example:
        >>> placed = place_order(preview_order("KXFEDDECISION-26DEC-H0", "yes", "buy", 1, "0.40"),
        ...                      confirm=True)                                   # doctest: +SKIP
        >>> placed.status                                                        # doctest: +SKIP
        'resting'
    """
    if not isinstance(preview, OrderPreview):
        raise TypeError("place_order accepts only a preview from preview_order(...): nothing is placed that "
                        f"was not previewed (got {type(preview).__name__})")
    if confirm is not True:
        raise ValueError("place_order needs confirm=True: read the preview, then confirm")
    key = (preview.api_base, preview.client_order_id)
    with _results_lock:
        earlier = _results.get(key)
    if earlier is not None:
        log.info("order %s was already placed from this preview; returning that result, nothing sent",
                 earlier.order_id)
        return earlier
    if max_age is not None and preview.age > max_age:
        raise StalePreviewError(
            f"refusing: this preview is {int(preview.age)} s old (limit {int(max_age)} s) and the book has "
            "likely moved; preview again. Nothing was sent")
    client = preview.client
    cap = preview.spend_cap if spend_cap is None else _dollars(spend_cap, "spend_cap")
    req = preview.request
    order, reconciled = client.submit_order(dict(preview.body), market=dict(req.market),
                                            taker_coefficient=preview.taker_coefficient, spend_cap=cap)
    result = _from_order(preview, order) if reconciled else _from_receipt(preview, order)
    with _results_lock:
        result = _results.setdefault(key, result)
        _placed_recently.append(result)
        cutoff = time.time() - DUPLICATE_WINDOW
        _placed_recently[:] = [p for p in _placed_recently if p.placed_ts >= cutoff]
    log.info("placed order %s on %s (%s): %s", result.order_id, preview.env_label, result.ticker, result.status)
    return result


def _from_receipt(preview: OrderPreview, order: Mapping[str, Any]) -> PlacedOrder:
    req = preview.request
    return PlacedOrder(
        preview=preview, order_id=str(order["order_id"]),
        client_order_id=str(order.get("client_order_id") or req.client_order_id), ticker=req.ticker,
        status=order_v2.status_from_receipt(dict(order), req.time_in_force),
        fill_count=_dec(order.get("fill_count", "0")), remaining_count=_dec(order.get("remaining_count", "0")),
        average_fill_price=_opt_dec(order.get("average_fill_price")),
        average_fee_paid=_opt_dec(order.get("average_fee_paid")), reconciled=False, receipt=dict(order),
        placed_at=datetime.now(timezone.utc),
    )


def _from_order(preview: OrderPreview, order: Mapping[str, Any]) -> PlacedOrder:
    """A ``PlacedOrder`` from an Order object (``GET /portfolio/orders``), found by client_order_id."""
    filled = _dec(order.get("fill_count_fp", "0"))
    cost = _dec(order.get("taker_fill_cost_dollars", "0")) + _dec(order.get("maker_fill_cost_dollars", "0"))
    paid = _dec(order.get("taker_fees_dollars", "0")) + _dec(order.get("maker_fees_dollars", "0"))
    average = None
    if filled:
        average = cost / filled if order.get("book_side", "bid") == "bid" else ONE - cost / filled
    return PlacedOrder(
        preview=preview, order_id=str(order["order_id"]), client_order_id=str(order.get("client_order_id")),
        ticker=str(order.get("ticker", preview.ticker)), status=str(order.get("status")), fill_count=filled,
        remaining_count=_dec(order.get("remaining_count_fp", "0")), average_fill_price=average,
        average_fee_paid=paid / filled if filled else None, reconciled=True, receipt=dict(order),
        placed_at=datetime.now(timezone.utc),
    )


def _recent_duplicate(client: KalshiClient, req: OrderRequest) -> PlacedOrder | None:
    cutoff = time.time() - DUPLICATE_WINDOW
    with _results_lock:
        for placed in reversed(_placed_recently):
            r = placed.preview.request
            if (placed.placed_ts >= cutoff and placed.preview.api_base == client.api_base
                    and (r.ticker, r.outcome, r.action, r.count, r.price, r.time_in_force)
                    == (req.ticker, req.outcome, req.action, req.count, req.price, req.time_in_force)):
                return placed
    return None


# --- cancelling and listing ----------------------------------------------------------------------------

def cancel_order(order: PlacedOrder | Mapping[str, Any] | str, *, client: KalshiClient | None = None) -> dict:
    """Cancel a resting order: a ``PlacedOrder``, an Order object, or an order id.

    Returns the exchange's answer ``{"order_id", "reduced_by", ...}``. Canceling is a write too, but it
    can only reduce what is at risk, so it needs no preview and is allowed on production.

    Example:
        >>> cancel_order(placed)                 # doctest: +SKIP
        {'order_id': '…', 'client_order_id': '…', 'reduced_by': '3.00', 'ts_ms': 1788748460000}
    """
    if isinstance(order, PlacedOrder):
        return (client or order.client).cancel_order(order.order_id, ticker=order.ticker)
    client = _client(client)
    if isinstance(order, Mapping):
        return client.cancel_order(order.get("order_id"), ticker=order.get("ticker"))  # type: ignore[arg-type]
    if isinstance(order, str) and order:
        return client.cancel_order(order)
    raise TypeError(f"cancel_order takes a PlacedOrder, an order dict or an order id, got {order!r}")


def open_orders_df(ticker: str | None = None, *, client: KalshiClient | None = None) -> pd.DataFrame:
    """The account's resting orders as a DataFrame (``frames.orders_frame`` columns; empty but typed if none).

    Example:
        >>> open_orders_df()[["ticker", "book_side", "yes_price_dollars", "remaining_count_fp"]]  # doctest: +SKIP
    """
    from .frames import orders_frame

    client = _client(client)
    return orders_frame(list(client.paginate("get_orders", ticker=ticker, status="resting", limit=1000)))


# --- HTML ------------------------------------------------------------------------------------------------

# Dollar signs would otherwise be typeset as LaTeX by JupyterLab's MathJax ("$0.68 / ask $0.69").
_NO_MATH = "mathjax_ignore tex2jax_ignore"

_ENV_STYLE = {
    "local": ("#1b5e20", "#e8f5e9", "SANDBOX: local exchange, fake money"),
    "demo": ("#0d47a1", "#e3f2fd", "DEMO: Kalshi's demo exchange, fake money"),
    "prod": ("#ffffff", "#c62828", "PRODUCTION: real money"),
    "custom": ("#ffffff", "#c62828", "CUSTOM HOST: treated as production (real money)"),
}


def env_banner_html(env: str, api_base: str, extra: str = "") -> str:
    """A one-line banner naming the environment; production (and unknown hosts) in red."""
    fg, bg, text = _ENV_STYLE.get(env, _ENV_STYLE["custom"])
    more = f" &middot; {html.escape(extra)}" if extra else ""
    return (f'<div class="kalshi-env kalshi-env-{html.escape(env)} {_NO_MATH}" style="background:{bg};color:{fg};'
            f'padding:4px 10px;border-radius:4px;font-weight:600;font-family:sans-serif;font-size:13px">'
            f'{html.escape(text)} <span style="font-weight:400;opacity:.85">({html.escape(api_base)}){more}'
            f'</span></div>')


def _rows(rows: list[tuple[str, str]]) -> str:
    head = 'style="text-align:left;padding:2px 12px 2px 4px;vertical-align:top;white-space:nowrap"'
    cell = 'style="text-align:left;padding:2px 12px 2px 0;vertical-align:top"'
    return "".join(f"<tr><th {head}>{html.escape(k)}</th><td {cell}>{v}</td></tr>" for k, v in rows)


def render_preview_html(p: OrderPreview) -> str:
    """The preview as an HTML table (``OrderPreview._repr_html_``)."""
    req = p.request
    esc = html.escape
    bought = req.bought_outcome.upper()
    what = f"{esc(req.action)} {esc(_num(req.count))} {esc(req.outcome.upper())} at {esc(_usd(req.price))}"
    if req.action == "sell":
        what += f" (that is: buy {esc(_num(req.count))} {bought} at {esc(_usd(req.bought_price))})"
    book = "no quotes"
    if p.best_bid is not None or p.best_ask is not None:
        book = (f"YES bid {esc(_usd(p.best_bid)) if p.best_bid is not None else '—'} / "
                f"ask {esc(_usd(p.best_ask)) if p.best_ask is not None else '—'}")
    if p.fill_count:
        fills = (f"{esc(_num(p.fill_count))} now at avg {esc(_usd(p.average_price))} ({bought}), "
                 f"in {len(p.fills)} fill{'s' if len(p.fills) != 1 else ''}")
    else:
        fills = "nothing fills now"
    if p.rest_count:
        fills += f"; {esc(_num(p.rest_count))} rest{'s' if p.rest_count == 1 else ''} at the limit"
    if p.unfilled_count:
        fills += f"; {esc(_num(p.unfilled_count))} canceled"
    maker = esc(_usd(p.maker_fee))
    if p.rest_count and p.maker_fee == 0:
        maker += " (no maker fees on this series)"
    rows = [
        ("environment", esc(p.env_label.upper())),
        ("market", esc(req.ticker) + (f" &middot; {esc(str(req.market.get('title')))}" if req.market.get("title") else "")),
        ("order", what + f" &middot; {esc(req.time_in_force)}"),
        ("V2 request", f"<code>{esc(p.method)} {esc(p.path)}</code><br><code>{esc(_json(p.body))}</code>"),
        ("book now", book),
        ("fills", fills),
        ("cost", esc(_usd(p.cost)) + (f" (now {esc(_usd(p.cost_now))} + resting {esc(_usd(p.cost_rest))})"
                                      if p.cost_now and p.cost_rest else "")),
        ("taker fee", esc(_usd(p.taker_fee))),
        ("maker fee", maker),
        ("fee schedule", f"{esc(p.fee_type)} &times; {esc(_num(p.fee_multiplier))}"),
        ("total", f"<b>{esc(_usd(p.total))}</b> (spend cap {esc(_usd(p.spend_cap))})"),
        (f"payout if {bought}", esc(_usd(p.payout))),
        ("P&L if YES / if NO", f"{_signed(p.pnl_if_yes)} / {_signed(p.pnl_if_no)}"),
        ("break-even", f"P({bought}) &ge; {esc(_pct(p.break_even))}" if p.break_even is not None else "—"),
        ("balance", "unknown" if p.balance is None else
         f"{esc(_usd(p.balance))} &rarr; {esc(_usd(p.balance_after))} after"),
        ("client_order_id", f"<code>{esc(req.client_order_id)}</code>"),
    ]
    warn = ""
    if p.warnings:
        items = "".join(f'<li data-code="{esc(w.code)}">{esc(w.text)}</li>' for w in p.warnings)
        warn = (f'<div class="kalshi-warnings" style="background:#fff3e0;border-left:4px solid #e65100;'
                f'padding:4px 10px;margin-top:6px"><b>Warnings</b><ul style="margin:2px 0">{items}</ul></div>')
    return (f'<div class="kalshi-preview {_NO_MATH}" style="font-family:sans-serif;font-size:13px;line-height:1.4">'
            f'{env_banner_html(p.env, p.api_base)}<table style="border-collapse:collapse;margin-top:4px">'
            f'{_rows(rows)}</table>{warn}</div>')


def render_receipt_html(placed: PlacedOrder) -> str:
    """The receipt of a placed order as HTML (``PlacedOrder._repr_html_``)."""
    esc = html.escape
    color = {"resting": "#0d47a1", "executed": "#1b5e20", "canceled": "#6d4c41"}.get(placed.status, "#333")
    rows = [
        ("environment", esc(placed.preview.env_label.upper())),
        ("order", esc(placed.preview.request.describe()) + f" on {esc(placed.ticker)}"),
        ("status", f'<b style="color:{color}">{esc(placed.status.upper())}</b>'
                   + (" (found by client_order_id)" if placed.reconciled else "")),
        ("filled / resting", f"{esc(_num(placed.fill_count))} / {esc(_num(placed.remaining_count))}"),
    ]
    if placed.average_fill_price is not None:
        rows.append(("avg fill (YES price)", esc(_usd(placed.average_fill_price))))
    if placed.average_fee_paid is not None:
        rows.append(("avg fee per contract", esc(_usd(placed.average_fee_paid))))
    rows += [("order_id", f"<code>{esc(placed.order_id)}</code>"),
             ("client_order_id", f"<code>{esc(placed.client_order_id)}</code>")]
    return (f'<div class="kalshi-receipt {_NO_MATH}" style="font-family:sans-serif;font-size:13px;line-height:1.4">'
            f'<div style="font-weight:600">Order receipt</div>'
            f'<table style="border-collapse:collapse">{_rows(rows)}</table></div>')


# --- small helpers ----------------------------------------------------------------------------------------

def _utcnow() -> datetime:
    """The time previews measure "closing soon" from (one seam, so tests can follow a sandbox's clock)."""
    return datetime.now(timezone.utc)


def _client(client: KalshiClient | None) -> KalshiClient:
    if client is not None:
        return client
    from .defaults import default_client

    return default_client()


def _check_outcome(value: object) -> str:
    if not isinstance(value, str) or value.lower() not in ("yes", "no"):
        raise ValueError(f"outcome must be 'yes' or 'no', got {value!r}")
    return value.lower()


def _check_action(value: object) -> str:
    if not isinstance(value, str) or value.lower() not in ("buy", "sell"):
        raise ValueError(f"action must be 'buy' or 'sell', got {value!r}")
    return value.lower()


def _parse_limit(price: object, price_cents: object) -> Decimal:
    """The limit in dollars; a clear message for the classic cents-for-dollars slip."""
    if isinstance(price, str):
        price = price.strip().lstrip("$").strip()
        if not price:
            price = None
    if price is None and price_cents is None:
        raise ValueError("enter a limit price in dollars, e.g. 0.45 (or price_cents=45)")
    if price is not None and price_cents is not None:
        raise ValueError("give the limit price once: price (dollars) or price_cents, not both")
    try:
        if price_cents is not None:
            return order_v2.parse_price(price_cents=price_cents)
        return order_v2.parse_price(price_dollars=price)
    except ValueError as exc:
        text = str(exc).replace("price_dollars", "price").replace("use price_cents", f"did you mean {_cents_hint(price)}?")
        raise ValueError(text) from None


def _cents_hint(price: object) -> str:
    try:
        return f"${Decimal(str(price)) / 100}"
    except InvalidOperation:
        return "a dollar price such as 0.45"


def _dollars(value: object, name: str) -> Decimal:
    try:
        result = Decimal(repr(value) if isinstance(value, float) else str(value).strip().lstrip("$"))
    except InvalidOperation:
        raise ValueError(f"{name} must be an amount in dollars, got {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{name} must be an amount in dollars, got {value!r}")
    return result


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


def _opt_dec(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _levels(raw: object) -> dict[Decimal, Decimal]:
    """``[[price, count], ...]`` -> {price: count}; order not relied on (kalshi-api.md pitfall 14)."""
    out: dict[Decimal, Decimal] = {}
    for price, count in raw or []:
        p, c = Decimal(str(price)), Decimal(str(count))
        if c > 0:
            out[p] = out.get(p, ZERO) + c
    return out


def _notional(market: Mapping[str, Any]) -> Decimal:
    try:
        return Decimal(str(market.get("notional_value_dollars") or "1"))
    except InvalidOperation:
        return ONE


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _num(value: Decimal) -> str:
    """A Decimal without trailing zeros: 10, 2.5, 0.055."""
    return format(value.normalize(), "f")


def _usd(value: Decimal | None) -> str:
    """Dollars with 2 decimals, or up to 4 when a sub-penny amount needs them: $0.45, $0.055, -$1.20."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    value = abs(value)
    text = f"{value.quantize(Decimal('0.0001')):,.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{sign}${whole}.{frac.ljust(2, '0')}"


def _cents(value: Decimal) -> str:
    return f"{_num((value * 100).quantize(Decimal('0.1')))}¢"


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.1'))}%"


def _signed(value: Decimal) -> str:
    color = "#1b5e20" if value > 0 else "#c62828" if value < 0 else "#333"
    text = ("+" if value > 0 else "") + _usd(value)
    return f'<span style="color:{color}">{html.escape(text)}</span>'


def _json(body: Mapping[str, Any]) -> str:
    import json

    return json.dumps(dict(body), separators=(", ", ": "))


__all__ = [
    "DEFAULT_SPEND_CAP",
    "Fill",
    "LiveTradingDisabledError",
    "MarketNotOpenError",
    "OrderPreview",
    "OrderRefusedError",
    "OrderRequest",
    "PlacedOrder",
    "PreviewWarning",
    "SpendCapError",
    "StalePreviewError",
    "cancel_order",
    "disable_live_trading",
    "enable_live_trading",
    "fee_coefficients",
    "fee_schedule",
    "live_trading_enabled",
    "open_orders_df",
    "place_order",
    "preview_order",
    "set_spend_cap",
    "spend_cap",
    "trading_fee",
]
