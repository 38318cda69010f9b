"""The sandbox at scale: a sized universe is a pure function of (seed, anchor, size), has exactly ``size`` live
markets, stays within a memory budget per market, and its JSON answers do not depend on the encoder.

No timings here (bench/sandbox_paging.py and bench/first_frame.py print those next to references).
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from dataclasses import astuple
from datetime import datetime, timezone

import pytest

from kalshi_nb.sandbox import data
from kalshi_nb.sandbox.http import wire

ANCHOR = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)

# Bytes traced per market while building (records, lifecycles, history parameters, the indexes of the
# Universe). About 3.4 KB when this test was written. It fell to 2.5 KB once the four fields every market
# shares left the stored dicts (data.MARKET_CONSTANTS), which brought the dicts down to 42 keys or fewer,
# and the combos shared their leg dicts. With those fields stored again it measures 3.0 KB and fails this
# bound. So would a per-market copy of a shared value (price_ranges) or an eager trade list. It fell to
# 2.2 KB when the markets of an event began to keep their common fields in one dict (data.Shared) and the
# whole-contract book sizes became one int object per value; without those it measures 2.46 KB and fails.
BYTES_PER_MARKET = 2350


def _snapshot(u: data.Universe) -> tuple:
    return (
        u.series,
        u.events,
        u.markets,
        {t: astuple(life) for t, life in u.life.items()},
        {t: astuple(h) for t, h in u.hist.items()},
        u.market_series,
        u.market_cutoff_ts,
        u.trades_cutoff_ts,
    )


def _live(u: data.Universe) -> int:
    cut = u.market_cutoff_ts
    return sum(1 for m in u.markets if u.life[m["ticker"]].finalize_ts >= cut or m["status"] != "finalized")


@pytest.mark.parametrize("size", [None, 1500])
def test_a_sized_universe_is_a_pure_function_of_seed_anchor_and_size(size: int | None) -> None:
    first, second = data.build(5, ANCHOR, size), data.build(5, ANCHOR, size)
    assert _snapshot(first) == _snapshot(second)
    # And the seed matters (the equality above is not vacuous).
    other = data.build(6, ANCHOR, size)
    assert [m["last_price_dollars"] for m in other.markets] != [
        m["last_price_dollars"] for m in first.markets
    ]


def test_a_sized_universe_has_exactly_size_live_markets_with_unique_tickers() -> None:
    size = 4000
    u = data.build(2, ANCHOR, size)
    assert _live(u) == size
    tickers = [m["ticker"] for m in u.markets]
    assert len(set(tickers)) == len(tickers)
    assert set(u.life) == set(tickers) == set(u.market_series)
    events = {e["event_ticker"] for e in u.events}
    assert {m["event_ticker"] for m in u.markets} <= events


def test_shared_values_are_shared_not_copied_per_market() -> None:
    u = data.build(3, ANCHOR, 3000)
    by_structure: dict[str, set[int]] = {}
    for m in u.markets:
        by_structure.setdefault(m["price_level_structure"], set()).add(id(m["price_ranges"]))
    assert by_structure and all(len(ids) == 1 for ids in by_structure.values())
    # A combo's selected legs: one dict per (leg market, side), whichever combos pick it.
    legs: dict[tuple[str, str], set[int]] = {}
    for m in u.markets:
        for leg in m.get("mve_selected_legs", ()):
            legs.setdefault((leg["market_ticker"], leg["side"]), set()).add(id(leg))
    assert legs and all(len(ids) == 1 for ids in legs.values())


def test_memory_per_market_stays_within_budget() -> None:
    data.build(0, ANCHOR, None)  # module-level caches (grids, ISO strings) are not per-market costs
    tracemalloc.start()
    try:
        u = data.build(4, ANCHOR, 2000)
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert current / len(u.markets) < BYTES_PER_MARKET


def test_wire_bytes_equal_the_stdlib_encoders_on_every_record() -> None:
    u = data.build(1, ANCHOR, 1200)
    records = [*u.series, *u.events, *(data.wire_market(m) for m in u.markets)]  # as they are sent
    stdlib = json.JSONEncoder(separators=(",", ":"), check_circular=False)
    for record in records:
        assert wire.dumps(record) == stdlib.encode(record).encode()


def test_wire_falls_back_to_the_stdlib_for_what_orjson_refuses() -> None:
    big = {"n": 2**70, 3: [True, None, 1.25]}
    assert json.loads(wire.dumps(big)) == {"n": 2**70, "3": [True, None, 1.25]}


def _gc_state_during_build(monkeypatch: pytest.MonkeyPatch, size: int | None) -> list[bool]:
    seen: list[bool] = []
    real_mve = data.mve

    def spy(b: object, legs: object) -> None:
        seen.append(gc.isenabled())
        real_mve(b, legs)  # type: ignore[arg-type]

    monkeypatch.setattr(data, "mve", spy)
    data.build(0, ANCHOR, size)
    return seen


@pytest.mark.parametrize("size", [None, 3000])
def test_an_ordinary_build_leaves_the_garbage_collector_alone(
    monkeypatch: pytest.MonkeyPatch, size: int | None
) -> None:
    assert gc.isenabled()
    assert _gc_state_during_build(monkeypatch, size) == [True]
    assert gc.isenabled()


def test_a_benchmark_sized_build_pauses_the_collector_only_while_it_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(data, "GC_PAUSE_MIN_SIZE", 1000)  # stands for 50,000 without building that many
    assert _gc_state_during_build(monkeypatch, 1500) == [False]
    assert gc.isenabled()
    gc.disable()  # a caller that paused it itself finds it still paused
    try:
        assert _gc_state_during_build(monkeypatch, 1500) == [False]
        assert not gc.isenabled()
    finally:
        gc.enable()


def _full_collections_during(what: object) -> list[int]:
    """The generations of the collections that ran during ``what()``."""
    seen: list[int] = []

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(watch)
    try:
        what()  # type: ignore[operator]
    finally:
        gc.callbacks.remove(watch)
    return seen


def test_a_benchmark_sized_exchange_load_is_paused_throughout_and_collected_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One full collection at the end, instead of the collector's young/middle/old passes over every new
    object once it is back on; the indexes built after the data are inside the pause too."""
    from kalshi_nb.sandbox.exchange import Exchange

    monkeypatch.setattr(data, "GC_PAUSE_MIN_SIZE", 1000)  # stands for 50,000 without building that many
    during: list[bool] = []
    real = Exchange._windows_init  # part of the load that runs after the data build

    def spy(self: object) -> None:
        during.append(gc.isenabled())
        real(self)  # type: ignore[arg-type]

    monkeypatch.setattr(Exchange, "_windows_init", spy)
    assert _full_collections_during(lambda: Exchange(seed=0, now=ANCHOR, markets=1500)) == [2]
    assert during == [False] and gc.isenabled()
    assert _full_collections_during(lambda: data.build(0, ANCHOR, 1500)) == [2]  # called on its own too
    gc.disable()  # a caller that paused it itself: no collection, still paused
    try:
        assert _full_collections_during(lambda: data.build(0, ANCHOR, 1500)) == []
        assert not gc.isenabled()
    finally:
        gc.enable()
