"""Property: the client feed's books are never wrong while they say they are valid (issue 13, "Proof").

Hypothesis draws random order flow (resting and crossing orders from two users, cancels) into a sandbox
while ``kn.stream`` follows two markets on one ``orderbook_delta`` subscription, with random disconnects
(``sb.ws_drop_all()``) and random skipped and duplicated messages (``sb.ws_faults``). Two checks:

- **at random points** (a thread sampling the feed every few milliseconds while the flow runs): a book
  that says it is valid equals the exchange's true book at that book's own ``clock``: the state after
  every change up to that clock, or part-way through the deltas of that one clock (one action can make
  several deltas with the same clock, and the sample can fall between them). The true history comes from
  the exchange's own change bus (``Exchange.listen``), started from ``Exchange.book_snapshot``.
- **at the end** of every example, once the flow stops (plus one more change so that a skipped last
  message shows as a gap): every book becomes valid, reaches the exchange's latest clock, and equals the
  sandbox's REST order book.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_nb.client import KalshiClient
from kalshi_nb.feed import stream  # kn.stream once the lead exports it
from kalshi_nb.sandbox import Sandbox
from kalshi_nb.sandbox.activity import Activity

T0 = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)  # a Monday; BTC's window stays open until 02:45Z
BTC = "KXBTC15M-26SEP062245-45"
USERS = ("prop-a", "prop-b")

Levels = dict[str, dict[Decimal, Decimal]]


# --- the truth: the exchange's book at every clock ---------------------------------------------------


class History:
    """Each market's book after every clock, from the exchange's change bus (append-only, thread-safe)."""

    def __init__(self, exchange, tickers: list[str]) -> None:
        self._lock = threading.Lock()
        self.clocks: dict[str, list[int]] = {}
        self.entries: dict[str, list[tuple[Levels, list[tuple[str, Decimal, Decimal]]]]] = {}
        self.current: dict[str, Levels] = {}
        with exchange._lock:  # one lock hold: the snapshot and the events after it line up exactly
            for t in tickers:
                snap = exchange.book_snapshot(t)
                base = {s: {Decimal(p): Decimal(c) for p, c in snap[s]} for s in ("yes", "no")}
                self.clocks[t] = [snap["clock"]]
                self.entries[t] = [(base, [])]
                self.current[t] = _copy(base)
            self.unlisten = exchange.listen(self._event)

    def _event(self, event: dict) -> None:
        if event.get("kind") != "book" or event["ticker"] not in self.clocks:
            return
        t, clock = event["ticker"], event["clock"]
        side, price, delta = event["side"], Decimal(event["price"]), Decimal(event["delta"])
        with self._lock:
            if clock != self.clocks[t][-1]:  # a new clock: remember the state it starts from
                self.clocks[t].append(clock)
                self.entries[t].append((_copy(self.current[t]), []))
            self.entries[t][-1][1].append((side, price, delta))
            level = self.current[t][side]
            level[price] = level.get(price, Decimal(0)) + delta
            if level[price] == 0:
                del level[price]

    def states_at(self, ticker: str, clock: int) -> list[Levels]:
        """The states a book can show at ``clock``: after each of that clock's deltas (a client's clock
        moves with the first of them; a snapshot at ``clock`` holds all of them)."""
        with self._lock:
            i = bisect_right(self.clocks[ticker], clock) - 1
            if i < 0:
                return []
            before, deltas = self.entries[ticker][i]
            deltas = list(deltas)
        if self.clocks[ticker][i] != clock or not deltas:  # the starting snapshot, or a clock with no change
            return [_apply(before, deltas)]
        states, state = [], before
        for d in deltas:
            state = _apply(state, [d])
            states.append(state)
        return states

    def latest_clock(self, ticker: str) -> int:
        with self._lock:
            return self.clocks[ticker][-1]


def _copy(levels: Levels) -> Levels:
    return {s: dict(v) for s, v in levels.items()}


def _apply(levels: Levels, deltas: list[tuple[str, Decimal, Decimal]]) -> Levels:
    out = _copy(levels)
    for side, price, delta in deltas:
        size = out[side].get(price, Decimal(0)) + delta
        if size:
            out[side][price] = size
        else:
            out[side].pop(price, None)
    return out


def _diff(got: Levels, want: Levels) -> str:
    """The levels where ``got`` and ``want`` differ, as ``side price: got != want``."""
    out = []
    for side in ("yes", "no"):
        for p in sorted(got[side].keys() | want[side].keys()):
            if got[side].get(p) != want[side].get(p):
                out.append(f"{side} {p}: {got[side].get(p)} != {want[side].get(p)}")
    return ", ".join(out)


def rest_levels(exchange, ticker: str) -> Levels:
    book = exchange.orderbook(ticker)
    return {s: {Decimal(p): Decimal(c) for p, c in book[f"{s}_dollars"]} for s in ("yes", "no")}


# --- the sampler: a valid book must be a true book ----------------------------------------------------


class Sampler:
    """Samples the feed's books on a thread; records every valid book that matches no true state."""

    def __init__(self, feed, history: History, tickers: list[str], exchange_lock) -> None:
        self.feed, self.history, self.tickers = feed, history, tickers
        self.exchange_lock = exchange_lock
        self.wrong: list[str] = []
        self.valid_samples = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def sample(self) -> None:
        feed = self.feed
        with feed._lock:  # one consistent read of valid + clock + levels (LiveBook reads lock one by one)
            seen = []
            for t in self.tickers:
                book = feed.book(t)
                if book.valid:
                    seen.append((t, book.clock, {s: dict(book.levels(s)) for s in ("yes", "no")}))
        # The bus calls the sandbox's feed and History one after the other under the exchange lock, so a
        # frame can reach the client before History has heard of its change: wait for the lock (the end of
        # that flush) before judging.
        with self.exchange_lock:
            pass
        self.samples += 1
        for t, clock, levels in seen:
            self.valid_samples += 1
            states = self.history.states_at(t, clock) if clock is not None else []
            if levels not in states:
                self.wrong.append(
                    f"{t} valid at clock {clock} (of {self.history.latest_clock(t)}) "
                    f"differs from each of its {len(states)} true states; from the last: "
                    f"{_diff(levels, states[-1]) if states else levels}; {self.feed.health}"
                )

    def _run(self) -> None:
        while not self._stop.wait(0.003):
            self.sample()


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    with Sandbox(seed=2, now=T0, ws=True, rate_limit=None, pauses=False) as sb:
        ex = sb.exchange
        for user in USERS:
            ex.add_account(user, 10**8)
        other = next(
            m["ticker"]
            for m in ex.markets(status="open")
            if m["ticker"] != BTC
            and "mve_collection_ticker" not in m
            and ex.orderbook(m["ticker"])["yes_dollars"]
        )
        tickers = [BTC, other]
        history = History(ex, tickers)
        client = KalshiClient(key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url,
                              rate_limit=None, timeout=5.0)  # fmt: skip
        feed = stream(
            tickers, channels=("orderbook_delta",), client=client, url=sb.ws_url, backoff=(0.02, 0.2)
        )
        try:
            feed.wait_for(lambda f: all(f.book(t).valid for t in tickers), timeout=10)
            yield sb, feed, history, tickers
        finally:
            feed.close()
            history.unlisten()
            client.close()


# --- the flow ------------------------------------------------------------------------------------------

place = st.tuples(
    st.just("place"),
    st.sampled_from(USERS),
    st.integers(0, 1),  # which market
    st.sampled_from(("bid", "ask")),
    st.integers(1, 99),  # cents
    st.integers(1, 30),  # contracts
    st.sampled_from(("good_till_canceled", "good_till_canceled", "immediate_or_cancel")),
)
cancel = st.tuples(st.just("cancel"), st.sampled_from(USERS), st.integers(0, 50))
disconnect = st.tuples(st.just("disconnect"))
fault = st.tuples(st.just("fault"), st.sampled_from(("skip_seq", "duplicate")))
clear = st.tuples(st.just("clear"))
pause = st.tuples(st.just("pause"), st.sampled_from((0.0, 0.01, 0.05)))
flows = st.lists(
    st.one_of(place, place, place, cancel, disconnect, fault, clear, pause), min_size=5, max_size=25
)


def run_op(sb: Sandbox, tickers: list[str], op: tuple) -> None:
    ex = sb.exchange
    kind = op[0]
    if kind == "place":
        _, user, which, side, cents, count, tif = op
        body = {"ticker": tickers[which], "side": side, "count": str(count), "price": f"0.{cents:02d}",
                "time_in_force": tif, "self_trade_prevention_type": "maker"}  # fmt: skip
        ex.create_order(user, body)
    elif kind == "cancel":
        _, user, k = op
        resting = [o for o in ex.orders(user) if o["status"] == "resting"]
        if resting:
            ex.cancel_order(user, resting[k % len(resting)]["order_id"])
    elif kind == "disconnect":
        sb.ws_drop_all()
    elif kind == "fault":
        sb.ws_faults.update(**{op[1]: True})
    elif kind == "clear":
        sb.ws_faults.clear()
    elif kind == "pause":
        time.sleep(op[1])


def converged(feed, history: History, sb: Sandbox, tickers: list[str]) -> bool:
    for t in tickers:
        book = feed.book(t)
        with feed._lock:
            ok = book.valid and book.clock == history.latest_clock(t)
            levels = {s: dict(book.levels(s)) for s in ("yes", "no")}
        if not ok or levels != rest_levels(sb.exchange, t):
            return False
    return True


def check_flow(world, flow: list[tuple]) -> None:
    """Run ``flow`` while sampling; then stop, reveal any last skip, and require convergence on REST."""
    sb, feed, history, tickers = world
    with Sampler(feed, history, tickers, sb.exchange._lock) as sampler:
        for op in flow:
            run_op(sb, tickers, op)
            sampler.sample()
        sb.ws_faults.clear()
        # One more change on each market: a skipped last message becomes a visible gap.
        for t in tickers:
            body = {"ticker": t, "side": "bid", "count": "1", "price": "0.01",
                    "time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"}  # fmt: skip
            sb.exchange.cancel_order(USERS[0], sb.exchange.create_order(USERS[0], body)["order_id"])
        try:
            done = feed.wait_for(lambda f: converged(f, history, sb, tickers), timeout=10)
        except TimeoutError:
            done = False
        sampler.sample()
    assert sampler.wrong == [], sampler.wrong[:2]
    assert done, f"the feed did not converge on the REST book: {feed.health}; " + "; ".join(
        f"{t}: valid={feed.book(t).valid} clock={feed.book(t).clock} latest={history.latest_clock(t)}"
        for t in tickers
    )
    for t in tickers:  # the truth itself agrees with REST (else the proof would compare against a wrong book)
        assert history.current[t] == rest_levels(sb.exchange, t)
    assert sampler.valid_samples > 0


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(flow=flows)
def test_valid_books_are_true_books(world, flow):
    check_flow(world, flow)


def test_every_fault_once(world):
    """A fixed flow with each fault at least once, and proof that each was seen and recovered from."""
    sb, feed, history, tickers = world
    # Start from a settled feed, so the skip lands on a delta, not on the first frame of a new subscription.
    feed.wait_for(lambda f: converged(f, history, sb, tickers), timeout=10)
    before = feed.health
    flow = [
        ("place", "prop-a", 0, "bid", 30, 5, "good_till_canceled"),
        ("fault", "skip_seq"),
        ("place", "prop-b", 0, "ask", 70, 5, "good_till_canceled"),
        ("place", "prop-b", 1, "ask", 2, 3, "immediate_or_cancel"),
        ("pause", 0.05),
        ("fault", "duplicate"),
        ("place", "prop-a", 1, "bid", 5, 2, "good_till_canceled"),
        ("pause", 0.05),
        ("disconnect",),
        ("place", "prop-b", 0, "bid", 99, 10, "immediate_or_cancel"),
        ("cancel", "prop-a", 0),
        ("pause", 0.05),
    ]
    check_flow(world, flow)
    after = feed.health
    assert after.gaps > before.gaps and after.gaps_recovered > before.gaps_recovered, after
    assert after.duplicates > before.duplicates, after
    assert after.reconnects > before.reconnects, after


def test_activity_flow_from_another_thread(world):
    """The market simulation trading on its own thread (concurrent with the sampler): still only true books."""
    sb, _, _, tickers = world
    activity = Activity(sb.exchange, rate=300, seed=13, tickers=tickers, taker_share=0.4)
    before = activity.orders_sent
    activity.start()
    try:
        check_flow(
            world, [("pause", 0.3), ("disconnect",), ("pause", 0.3), ("fault", "skip_seq"), ("pause", 0.3)]
        )
    finally:
        activity.stop()
    assert activity.errors == []
    assert activity.orders_sent - before > 50
    check_flow(world, [])  # and after it cancelled its quotes


def test_the_sampler_can_fail(world):
    """A valid book that is not a true state is caught (so the property above can fail)."""
    sb, feed, history, tickers = world
    sampler = Sampler(feed, history, tickers, sb.exchange._lock)
    feed.wait_for(lambda f: converged(f, history, sb, tickers), timeout=10)
    with feed._lock:
        book = feed._state.books[tickers[0]]
        price = Decimal("0.0300")
        book.yes[price] = book.yes.get(price, Decimal(0)) + 7
        try:
            sampler.sample()
        finally:
            book.yes[price] -= 7
            if not book.yes[price]:
                del book.yes[price]
    assert sampler.wrong and tickers[0] in sampler.wrong[0]
