"""Keyset cursors under change: while the exchange moves between pages (time passes so markets open, close
and settle; markets are settled by hand; the historical cutoff moves; orders are placed, filled and
cancelled), every row that exists for the whole pull and matches its filters all along is returned exactly
once, and no row is ever returned twice.

Offset cursors failed this: a market closing during a ``status=open`` pull shifted the later pages (a market
open for the whole pull was skipped), and a new settlement, listed newest first, pushed the last row of a
page onto the next one (a repeated row).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import requests
from helpers import Signer, order_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_nb.sandbox import Sandbox
from kalshi_nb.sandbox.exchange import Exchange

T0 = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)

# (HTTP path, list key, natural id, query filters, how to list the same thing from the exchange directly)
PULLS = {
    "markets": ("/markets", "markets", "ticker", {}, lambda ex, uid: ex.markets()),
    "markets_open": (
        "/markets",
        "markets",
        "ticker",
        {"status": "open"},
        lambda ex, uid: ex.markets(status="open"),
    ),
    "events": ("/events", "events", "event_ticker", {}, lambda ex, uid: ex.events()),
    "trades": ("/markets/trades", "trades", "trade_id", {}, lambda ex, uid: ex.trades()),
    "historical_markets": (
        "/historical/markets",
        "markets",
        "ticker",
        {},
        lambda ex, uid: ex.historical_markets(),
    ),
    "orders": ("/portfolio/orders", "orders", "order_id", {}, lambda ex, uid: ex.orders(uid)),
    "orders_resting": (
        "/portfolio/orders",
        "orders",
        "order_id",
        {"status": "resting"},
        lambda ex, uid: ex.orders(uid, status="resting"),
    ),
    "fills": ("/portfolio/fills", "fills", "fill_id", {}, lambda ex, uid: ex.fills(uid)),
    "settlements": (
        "/portfolio/settlements",
        "settlements",
        "ticker",
        {},
        lambda ex, uid: ex.settlements(uid),
    ),
    "positions": (
        "/portfolio/positions",
        "market_positions",
        "ticker",
        {},
        lambda ex, uid: ex.positions(uid)[0],
    ),
}

MUTATIONS = st.lists(
    st.sampled_from(["tick", "settle", "buy", "rest", "cancel", "cutoff", "none"]), min_size=1, max_size=3
)


class World:
    """A fresh sandbox whose clock the test moves, with a user holding positions and resting orders."""

    def __init__(self, seed: int) -> None:
        self.now = T0
        self.exchange = Exchange(seed=seed, markets=40, now=T0, clock=lambda: self.now)
        self.sb = Sandbox(exchange=self.exchange, rate_limit=None).start()
        self.signer = Signer(self.sb)
        self.session = requests.Session()
        self.signer.session = self.session
        self.n = 0
        for _ in range(12):
            self.mutate("buy")
        for _ in range(6):
            self.mutate("rest")

    def close(self) -> None:
        self.session.close()
        self.sb.stop()

    def open_tickers(self) -> list[str]:
        return [m["ticker"] for m in self.exchange.markets(status="open")]

    def mutate(self, what: str) -> None:
        self.n += 1
        open_now = self.open_tickers()
        pick = open_now[(self.n * 7919) % len(open_now)] if open_now else None
        if what == "tick":
            self.now += timedelta(seconds=60 * (1 + self.n % 20))
        elif what == "settle" and pick:
            held = [
                p["ticker"] for p in self.exchange.positions(self.sb.user_id)[0] if p["ticker"] in open_now
            ]
            self.exchange.settle_market(held[0] if held else pick, "yes" if self.n % 2 else "no")
        elif what == "buy" and pick:
            self.signer.post(
                "/portfolio/events/orders",
                json=order_body(pick, price="0.9900", time_in_force="immediate_or_cancel"),
            )
        elif what == "rest" and pick:
            self.signer.post("/portfolio/events/orders", json=order_body(pick))
        elif what == "cancel":
            resting = self.exchange.orders(self.sb.user_id, status="resting")
            if resting:
                self.exchange.cancel_order(self.sb.user_id, resting[-1]["order_id"])
        elif what == "cutoff":
            self.exchange.set_historical_cutoff(self.now - timedelta(hours=2))

    def direct(self, name: str) -> set[str]:
        _, _, ident, _, listing = PULLS[name]
        return {row[ident] for row in listing(self.exchange, self.sb.user_id)}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(PULLS)),
    limit=st.integers(1, 25),
    seed=st.integers(0, 3),
    steps=st.lists(MUTATIONS, min_size=1, max_size=60),
)
def test_rows_present_for_the_whole_pull_come_exactly_once(name, limit, seed, steps):
    world = World(seed)
    try:
        path, key, ident, filters, _ = PULLS[name]
        present = world.direct(name)  # rows there at the start, narrowed at every page
        got: list[str] = []
        cursor, page = None, 0
        while True:
            params = {**filters, "limit": limit, **({"cursor": cursor} if cursor else {})}
            resp = world.signer.get(path, params=params)
            assert resp.status_code == 200, resp.text
            body = resp.json()
            got.extend(row[ident] for row in body[key])
            cursor = body["cursor"]
            if not cursor:
                break
            # The clock runs minutes per page, so new KXBTC15M windows keep appearing (exchange/windows.py) and
            # a small-limit pull could chase them forever: the world stops changing after 300 pages, and from
            # then on the pull must end.
            for what in steps[page % len(steps)] if page < 300 else ():
                world.mutate(what)
            present &= world.direct(name)
            page += 1
            assert page < 2000, "the pull never ended"
        repeated = [k for k, n in Counter(got).items() if n > 1]
        assert not repeated, f"{name}: rows returned twice: {repeated[:5]}"
        missing = present - set(got)
        assert not missing, f"{name}: rows present for the whole pull were skipped: {sorted(missing)[:5]}"
    finally:
        world.close()


def test_a_market_closing_mid_pull_does_not_hide_a_later_one():
    """The issue's case, deterministic: page 1 of status=open, then the first open market closes."""
    world = World(0)
    try:
        everyone = world.open_tickers()
        assert len(everyone) > 6
        first = world.signer.get("/markets", params={"status": "open", "limit": 3}).json()
        world.exchange.settle_market(everyone[0], "yes")  # leaves status=open, before the cursor
        rest = []
        cursor = first["cursor"]
        while cursor:
            body = world.signer.get(
                "/markets", params={"status": "open", "limit": 3, "cursor": cursor}
            ).json()
            rest.extend(m["ticker"] for m in body["markets"])
            cursor = body["cursor"]
        got = [m["ticker"] for m in first["markets"]] + rest
        assert got == everyone  # everyone[3] is not skipped
    finally:
        world.close()


def test_a_new_settlement_mid_pull_does_not_repeat_a_row():
    """The issue's case: settlements newest first; a settlement written between pages."""
    world = World(1)
    try:
        held = [
            p["ticker"]
            for p in world.exchange.positions(world.sb.user_id)[0]
            if p["ticker"] in world.open_tickers() and p["position_fp"] != "0.00"
        ]
        assert len(held) >= 3
        for ticker in held[1:]:
            world.exchange.settle_market(ticker, "yes")
        before = [s["ticker"] for s in world.exchange.settlements(world.sb.user_id)]
        first = world.signer.get("/portfolio/settlements", params={"limit": 1}).json()
        world.exchange.settle_market(held[0], "no")  # a new row in front
        second = world.signer.get(
            "/portfolio/settlements", params={"limit": 100, "cursor": first["cursor"]}
        ).json()
        got = [s["ticker"] for s in first["settlements"] + second["settlements"]]
        assert len(world.exchange.settlements(world.sb.user_id)) == len(before) + 1
        assert got == before
    finally:
        world.close()


def test_a_list_asked_again_after_a_market_closes_is_not_the_one_cached_before():
    """The same query before and after a close, with no other request between: the second answer is the
    exchange's state after the close (the cache used to key on the version before the clock was applied, so
    notebook 05 was handed a closed market as open right after the hour)."""
    world = World(0)
    try:
        query = {"status": "open", "limit": 100}
        before = {
            m["ticker"]: m["close_time"] for m in world.signer.get("/markets", params=query).json()["markets"]
        }
        first_close = min(before.values())
        world.now = datetime.fromisoformat(first_close.replace("Z", "+00:00")) + timedelta(seconds=2)
        after = world.signer.get("/markets", params=query).json()["markets"]
        closed = {t for t, c in before.items() if c == first_close}
        assert closed and not closed & {m["ticker"] for m in after}
        assert {m["status"] for m in after} == {"active"}
        assert {m["ticker"] for m in after} == set(world.open_tickers())
    finally:
        world.close()
