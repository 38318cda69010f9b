"""A seeded market simulation, so that sandbox markets move on their own (issue 13, "Activity").

``Activity(exchange, rate, seed)`` drives an :class:`~kalshi_nb.sandbox.exchange.Exchange` through its
public Python API only (``create_order``, ``cancel_order``, ``orderbook``, ``markets``), with its own
accounts: two makers that keep a bid and an ask around a drifting fair value, and a taker that crosses
the spread now and then with an immediate-or-cancel order. Everything it does is an ordinary order, so
the REST answers, the WebSocket feed and the accounting see it exactly as they see a user's orders.

Why a manual ``step()``: tests (and replays of a bug) need the same flow for the same seed without a
thread or a wall clock; ``start()`` only calls ``step()`` about ``rate`` times a second on a daemon thread.

The market lifecycle is not simulated here: the exchange moves every market (a KXBTC15M window opening,
closing, settling) on its own clock, but lazily, on the next call into it. ``step()`` calls the exchange
every time, so while an Activity runs the lifecycle (and any lifecycle event on the feed) happens within
about ``1 / rate`` seconds of its scheduled time. The set of markets is refreshed every ``refresh`` steps,
so a window that opens is picked up and one that closes is dropped. New KXBTC15M windows keep appearing
as the clock passes (``exchange/windows.py``), so there is always a current one; only when the series has
no open market (another ``series``) does the simulation move other active markets instead.

Example:
    >>> from datetime import datetime, timezone
    >>> when = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)
    >>> from kalshi_nb.sandbox.exchange import Exchange
    >>> ex = Exchange(seed=1, now=when, clock=lambda: when)
    >>> act = Activity(ex, rate=5, seed=7, tickers=["KXBTC15M-26SEP062245-45"])
    >>> sum(act.step() for _ in range(20)) > 0
    True
    >>> act.stop()    # cancels its resting orders
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from .errors import SandboxError

__all__ = ["MAKERS", "TAKER", "Activity"]

log = logging.getLogger(__name__)

#: The simulation's own accounts (user ids in the exchange); never a real user's.
MAKERS = ("activity-maker-1", "activity-maker-2")
TAKER = "activity-taker"
_BALANCE_CENTS = 10**10  # $100M each: enough for days of flow, far under limits.MAX_BALANCE_CENTS
_MAX_ERRORS = 50  # unexpected errors kept for inspection (bounded, a long run must not grow)


@dataclass
class _Market:
    """What the simulation knows about one market: its fair value and each maker's resting orders."""

    ticker: str
    fair: float  # YES probability, the centre of the makers' quotes
    step: Decimal  # the smallest price step of the market's grid (quotes sit on it)
    lo: Decimal  # lowest and highest tradable prices
    hi: Decimal
    quotes: dict[str, list[str]] = field(default_factory=dict)  # maker -> resting order ids


class Activity:
    """Makers quoting around a drifting fair value and a taker crossing now and then, seeded.

    ``rate`` is about how many steps a second ``start()`` runs (each step places or cancels one to four
    orders); ``None`` or 0 makes ``start()`` a no-op. ``tickers`` fixes the markets; by default the active
    markets of ``series`` (the current KXBTC15M window), at most ``max_markets`` of them. ``taker_share``
    is the chance that a step is a taker's cross rather than a maker's requote; ``volatility`` the standard
    deviation of the fair value's step in log-odds.

    Example:
        >>> from kalshi_nb.sandbox.exchange import Exchange
        >>> act = Activity(Exchange(seed=3), rate=None, seed=1)
        >>> act.start().running      # rate None: nothing runs
        False
    """

    def __init__(
        self,
        exchange: Any,
        rate: float | None = 5.0,
        seed: int = 0,
        *,
        tickers: Iterable[str] | None = None,
        series: Iterable[str] = ("KXBTC15M",),
        max_markets: int = 4,
        taker_share: float = 0.25,
        volatility: float = 0.05,
        refresh: int = 50,
    ) -> None:
        if rate is not None and (not math.isfinite(rate) or rate < 0):
            raise ValueError(f"rate must be a non-negative number of steps per second, got {rate!r}")
        if not 0 <= taker_share <= 1:
            raise ValueError(f"taker_share must be between 0 and 1, got {taker_share!r}")
        self.exchange = exchange
        self.rate = float(rate or 0)
        self.seed = seed
        self._fixed = list(tickers) if tickers is not None else None
        self._series = tuple(series)
        self._max_markets = max_markets
        self._taker_share = taker_share
        self._vol = volatility
        self._refresh = max(1, refresh)
        self._rng = random.Random(seed)
        self._markets: dict[str, _Market] = {}
        self._steps = 0
        self.orders_sent = 0
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()  # one step at a time (the thread and a caller's step())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        for user in (*MAKERS, TAKER):
            exchange.add_account(user, _BALANCE_CENTS)

    # --- running -----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the background thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Activity:
        """Run ``step()`` about ``rate`` times a second on a daemon thread (no-op if the rate is 0)."""
        if self.rate <= 0 or self.running:
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-activity", daemon=True)
        self._thread.start()
        return self

    def stop(self, *, cancel: bool = True) -> None:
        """Stop the thread (waits for the current step) and, with ``cancel``, cancel every resting quote."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if cancel:
            with self._lock:
                for user in MAKERS:
                    self._call(self.exchange.cancel_all_orders, user)
                for m in self._markets.values():
                    m.quotes.clear()

    def _run(self) -> None:
        interval = 1.0 / self.rate
        while not self._stop.wait(interval):
            try:
                self.step()
            except Exception as exc:  # keep the market moving; the error is kept for whoever looks
                self._keep(exc)
                log.exception("sandbox activity step failed")

    # --- one step ----------------------------------------------------------------------------------

    def step(self) -> int:
        """Advance the simulation by one step; return how many orders it placed or cancelled.

        Every market's fair value drifts; then one market gets either a maker's fresh quote (cancel its old
        bid/ask, place new ones around the fair value, post-only so a quote never takes) or, with chance
        ``taker_share``, a taker's immediate-or-cancel order that crosses to the fair value plus a step.
        """
        with self._lock:
            if self._steps % self._refresh == 0:
                self._discover()
            self._steps += 1
            if not self._markets:
                # Still call the exchange: it moves market statuses only when called (see the module doc).
                self._call(self.exchange.exchange_status)
                return 0
            rng = self._rng
            for m in self._markets.values():
                logit = math.log(m.fair / (1 - m.fair)) + rng.gauss(0, self._vol)
                m.fair = min(0.97, max(0.03, 1 / (1 + math.exp(-logit))))
            m = self._markets[rng.choice(sorted(self._markets))]
            if rng.random() < self._taker_share:
                return self._take(m)
            return self._quote(m, rng.choice(MAKERS))

    def _quote(self, m: _Market, maker: str) -> int:
        rng = self._rng
        done = 0
        for order_id in m.quotes.pop(maker, []):
            if self._call(self.exchange.cancel_order, maker, order_id) is not None:
                done += 1
        fair = Decimal(str(m.fair))
        half = m.step * rng.randint(1, 3)
        bid = self._snap(fair - half, m)
        ask = self._snap(fair + half, m, up=True)
        if ask <= bid:
            ask = bid + m.step
        ids = []
        for side, price in (("bid", bid), ("ask", ask)):
            if not m.lo <= price <= m.hi:
                continue
            body = _body(m.ticker, side, rng.randint(1, 20), price, "good_till_canceled", post_only=True)
            receipt = self._call(self.exchange.create_order, maker, body)
            if receipt is not None:
                done += 1
                ids.append(receipt["order_id"])
        m.quotes[maker] = ids
        return done

    def _take(self, m: _Market) -> int:
        rng = self._rng
        side = rng.choice(("bid", "ask"))
        fair = Decimal(str(m.fair))
        reach = m.step * rng.randint(1, 4)  # how far through the fair value it is willing to pay
        price = self._snap(fair + reach, m, up=True) if side == "bid" else self._snap(fair - reach, m)
        price = min(m.hi, max(m.lo, price))
        body = _body(m.ticker, side, rng.randint(1, 10), price, "immediate_or_cancel")
        return 1 if self._call(self.exchange.create_order, TAKER, body) is not None else 0

    # --- markets -----------------------------------------------------------------------------------

    def _discover(self) -> None:
        """Refresh the set of markets: keep the active ones, add newly opened ones (fair value = book mid)."""
        if self._fixed is not None:
            wanted = self._fixed
        else:
            wanted = []
            for series in self._series:
                rows = self._call(self.exchange.markets, status="open", series_ticker=series) or []
                wanted += [r["ticker"] for r in rows]
            if not wanted:
                # The series has no open market (none yet, or a series that never has one): keep some other
                # active market moving rather than none.
                rows = self._call(self.exchange.markets, status="open") or []
                wanted = [r["ticker"] for r in rows if "mve_collection_ticker" not in r]
            wanted = sorted(wanted)[: self._max_markets]
        fresh = {}
        for ticker in wanted:
            rec = self._call(self.exchange.market, ticker)
            if rec is None or rec.get("status") != "active":
                continue
            fresh[ticker] = self._markets.get(ticker) or self._new_market(rec)
        self._markets = fresh

    def _new_market(self, rec: dict) -> _Market:
        ranges = rec.get("price_ranges") or [{"start": "0", "end": "1", "step": "0.01"}]
        step = min(Decimal(r["step"]) for r in ranges)
        lo = Decimal(ranges[0]["start"]) + Decimal(ranges[0]["step"])
        hi = Decimal(ranges[-1]["end"]) - Decimal(ranges[-1]["step"])
        book = self._call(self.exchange.orderbook, rec["ticker"]) or {}
        fair = 0.5
        yes, no = book.get("yes_dollars") or [], book.get("no_dollars") or []
        if yes and no:  # mid of best YES bid and best YES ask (1 - best NO bid)
            fair = (float(yes[-1][0]) + 1 - float(no[-1][0])) / 2
        return _Market(rec["ticker"], min(0.97, max(0.03, fair)), step, lo, hi)

    @staticmethod
    def _snap(price: Decimal, m: _Market, *, up: bool = False) -> Decimal:
        """``price`` on the market's finest step (down for bids, up for asks), so it is on the grid."""
        ticks = (price / m.step).to_integral_value(rounding=ROUND_FLOOR)
        if up and ticks * m.step < price:
            ticks += 1
        return ticks * m.step

    # --- errors ------------------------------------------------------------------------------------

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the exchange; a rule refusal (a pause, a closed market, a post-only cross) is normal flow."""
        try:
            result = fn(*args, **kwargs)
        except SandboxError:
            return None
        if fn.__name__ in ("create_order", "cancel_order"):
            self.orders_sent += 1
        return {} if result is None else result

    def _keep(self, exc: BaseException) -> None:
        self.errors.append(exc)
        del self.errors[:-_MAX_ERRORS]

    def __repr__(self) -> str:
        return (
            f"Activity(rate={self.rate:g}, seed={self.seed}, markets={sorted(self._markets)}, "
            f"steps={self._steps}, running={self.running})"
        )


def _body(ticker: str, side: str, count: int, price: Decimal, tif: str, *, post_only: bool = False) -> dict:
    body: dict = {
        "ticker": ticker,
        "side": side,
        "count": str(count),
        "price": f"{price:.4f}",
        "time_in_force": tif,
        # Required on V2 orders; it only matters within one account (a maker's own quotes never trade).
        "self_trade_prevention_type": "maker",
    }
    if post_only:
        body["post_only"] = True
    return body
