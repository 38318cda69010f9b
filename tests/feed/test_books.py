"""kalshi_nb.feed.books: exact books from snapshot/delta payloads, and seq tracking, without a server.

Payloads are the reference's examples (``payloads/reference.json``); expected values are worked out by hand.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_nb.feed.books import Book, BookError, SeqTracker, exact, rest_levels

REF = json.loads((Path(__file__).parent / "payloads" / "reference.json").read_text())
D = Decimal


def test_snapshot_holds_every_level_exactly() -> None:
    book = Book("FED-23DEC-T3.00")
    book.apply_snapshot(REF["snapshot"]["msg"], now=1.0)
    assert book.valid and book.clock == 4182057 and book.confirmed == 1.0
    assert book.levels("yes") == [(D("0.0800"), D("300.00")), (D("0.2200"), D("333.00"))]
    assert book.levels("no") == [(D("0.5400"), D("20.00")), (D("0.5600"), D("146.00"))]
    assert book.best_bid() == D("0.22") and book.best_ask() == D("0.44")


def test_missing_side_key_means_empty_side() -> None:
    book = Book("T")
    book.apply_snapshot({"yes": "ignored", "no_dollars_fp": [["0.5", "1.00"]]})
    assert book.yes == {} and book.best_bid() is None and book.best_ask() == D("0.5")


def test_delta_adds_and_removes_levels() -> None:
    book = Book("FED-23DEC-T3.00")
    book.apply_snapshot(REF["snapshot"]["msg"])
    book.apply_delta({"price_dollars": "0.2200", "delta_fp": "-333.00", "side": "yes", "clock": 9})
    book.apply_delta({"price_dollars": "0.5500", "delta_fp": "7.50", "side": "no", "clock": 10})
    assert book.levels("yes") == [(D("0.0800"), D("300.00"))]  # a level at zero is gone
    assert dict(book.levels("no"))[D("0.5500")] == D("7.50")
    assert book.clock == 10 and book.deltas == 2


def test_delta_below_zero_invalidates() -> None:
    # The reference's delta example removes 54 at YES 0.96, a level the snapshot example doesn't have.
    book = Book("FED-23DEC-T3.00")
    book.apply_snapshot(REF["snapshot"]["msg"])
    with pytest.raises(BookError, match="would be -54"):
        book.apply_delta(REF["delta"]["msg"])
    assert not book.valid
    before = book.levels("yes")
    book.apply_delta({"price_dollars": "0.0800", "delta_fp": "1", "side": "yes"})  # ignored while invalid
    assert book.levels("yes") == before


@pytest.mark.parametrize(
    "msg",
    [
        {"price_dollars": "x", "delta_fp": "1", "side": "yes"},
        {"price_dollars": "0.5", "delta_fp": "1", "side": "maybe"},
        {"delta_fp": "1", "side": "yes"},
        {"price_dollars": "0.5", "delta_fp": "NaN", "side": "yes"},
    ],
)
def test_bad_delta_invalidates(msg: dict[str, Any]) -> None:
    book = Book("T")
    book.apply_snapshot({})
    with pytest.raises(BookError):
        book.apply_delta(msg)
    assert not book.valid


def test_use_yes_price_gives_the_same_book() -> None:
    plain, yes_priced = Book("T"), Book("T")
    plain.apply_snapshot({"no_dollars_fp": [["0.5400", "20.00"]], "yes_dollars_fp": [["0.40", "1.00"]]})
    yes_priced.apply_snapshot(
        {"no_dollars_fp": [["0.4600", "20.00"]], "yes_dollars_fp": [["0.40", "1.00"]]}, use_yes_price=True
    )
    plain.apply_delta({"price_dollars": "0.5400", "delta_fp": "-5.00", "side": "no"})
    yes_priced.apply_delta({"price_dollars": "0.4600", "delta_fp": "-5.00", "side": "no"}, use_yes_price=True)
    assert plain.levels("no") == yes_priced.levels("no") == [(D("0.5400"), D("15.00"))]
    assert plain.levels("yes") == yes_priced.levels("yes")


def test_exact_numbers() -> None:
    assert exact("0.1") + exact("0.2") == D("0.3")  # float sums would give 0.30000000000000004
    assert exact(0.1) == D("0.1") and exact(7) == D(7)
    for bad in (True, None, "inf", [1]):
        with pytest.raises(BookError):
            exact(bad)


def test_as_rest_round_trips() -> None:
    book = Book("FED-23DEC-T3.00")
    book.apply_snapshot(REF["snapshot"]["msg"])
    payload = book.as_rest()
    assert payload["orderbook_fp"]["yes_dollars"] == [["0.0800", "300.00"], ["0.2200", "333.00"]]
    assert rest_levels(payload) == {"yes": book.yes, "no": book.no}


# --- properties -------------------------------------------------------------------------------------------
PRICES = st.integers(1, 99).map(lambda c: D(c) / 100)
SIZES = st.integers(1, 10_000).map(lambda c: D(c) / 100)
LEVELS = st.dictionaries(PRICES, SIZES, max_size=12)
CHANGE = st.tuples(st.sampled_from(["yes", "no"]), PRICES, st.integers(-5000, 5000).map(lambda c: D(c) / 100))


def _rows(levels: dict[Decimal, Decimal]) -> list[list[str]]:
    return [[str(p), str(s)] for p, s in levels.items()]


@settings(max_examples=200, deadline=None)
@given(yes=LEVELS, no=LEVELS, changes=st.lists(CHANGE, max_size=60), use_yes=st.booleans())
def test_deltas_equal_rebuilding_from_the_final_state(
    yes: dict[Decimal, Decimal], no: dict[Decimal, Decimal], changes: list[Any], use_yes: bool
) -> None:
    """Applying valid deltas to a snapshot gives exactly the book a snapshot of the final state gives."""

    def wire(side: str, price: Decimal) -> str:
        return str(1 - price) if (use_yes and side == "no") else str(price)

    model = {"yes": dict(yes), "no": dict(no)}
    live = Book("T")
    live.apply_snapshot(
        {
            "yes_dollars_fp": _rows(yes),
            "no_dollars_fp": [[wire("no", p), str(s)] for p, s in no.items()],
        },
        use_yes_price=use_yes,
    )
    for clock, (side, price, delta) in enumerate(changes):
        have = model[side].get(price, D(0))
        delta = max(delta, -have)  # the exchange never takes more than a level holds
        if delta == 0:
            continue
        model[side][price] = have + delta
        if model[side][price] == 0:
            del model[side][price]
        live.apply_delta(
            {"side": side, "price_dollars": wire(side, price), "delta_fp": str(delta), "clock": clock},
            use_yes_price=use_yes,
        )
    rebuilt = Book("T")
    rebuilt.apply_snapshot(
        {
            "yes_dollars_fp": _rows(model["yes"]),
            "no_dollars_fp": [[wire("no", p), str(s)] for p, s in model["no"].items()],
        },
        use_yes_price=use_yes,
    )
    assert live.valid
    assert live.levels("yes") == rebuilt.levels("yes")
    assert live.levels("no") == rebuilt.levels("no")
    assert rest_levels(live.as_rest()) == {"yes": model["yes"], "no": model["no"]}


@settings(max_examples=200, deadline=None)
@given(ops=st.lists(st.sampled_from(["next", "skip", "dup"]), max_size=80))
def test_seq_gaps_and_duplicates_are_detected(ops: list[str]) -> None:
    """Every skipped seq is reported as a gap, every repeated one as a duplicate, nothing else."""
    tracker = SeqTracker()
    seq, expected_gaps, expected_dups, sent_any = 0, 0, 0, False
    for op in ops:
        if op == "dup" and sent_any:
            assert tracker.check(7, seq) == "duplicate"
            expected_dups += 1
            continue
        jump = 2 if op == "skip" else 1
        seq += jump
        verdict = tracker.check(7, seq)
        gap = sent_any and jump > 1
        assert verdict == ("gap" if gap else "ok")
        expected_gaps += gap
        sent_any = True
    assert (tracker.gaps, tracker.duplicates) == (expected_gaps, expected_dups)


def test_seq_is_per_sid_and_forgotten_on_reconnect() -> None:
    t = SeqTracker()
    assert [t.check(1, 1), t.check(2, 1), t.check(1, 2), t.check(2, 3)] == ["ok", "ok", "ok", "gap"]
    t.forget()
    assert t.check(1, 1) == "ok"  # a new connection numbers from 1 again


# --- the fast path: the parse cache and the per-subscription confirmation stamps ----------------------------
# Wire texts for one price in different spellings: each must land on the same level, whatever was cached.
SPELLINGS = st.integers(1, 99).flatmap(
    lambda c: st.sampled_from([f"0.{c:02d}", f"0.{c:02d}00", f"{c / 100:.4f}", f"0.{c:02d}0"])
)
COUNTS = st.one_of(st.just("0.00"), st.integers(0, 9_999).map(lambda c: f"{c // 100}.{c % 100:02d}"))
SIGNED = st.integers(-9_999, 9_999).map(
    lambda c: ("-" if c < 0 else "") + f"{abs(c) // 100}.{abs(c) % 100:02d}"
)
STEP = st.one_of(
    st.tuples(st.just("snapshot"), st.lists(st.tuples(SPELLINGS, COUNTS), max_size=8),
              st.lists(st.tuples(SPELLINGS, COUNTS), max_size=8)),
    st.tuples(st.just("delta"), st.sampled_from(["yes", "no"]), SPELLINGS, SIGNED),
)  # fmt: skip


class ReferenceBook:
    """The rules of kalshi-ws.md written as plainly as possible: fresh Decimals from the text, no caching."""

    def __init__(self, use_yes: bool) -> None:
        self.use_yes, self.valid = use_yes, False
        self.sides: dict[str, dict[Decimal, Decimal]] = {"yes": {}, "no": {}}

    def price(self, side: str, text: str) -> Decimal:
        return 1 - Decimal(text) if (self.use_yes and side == "no") else Decimal(text)

    def snapshot(self, yes: list[tuple[str, str]], no: list[tuple[str, str]]) -> None:
        self.sides = {"yes": {}, "no": {}}
        for side, rows in (("yes", yes), ("no", no)):
            for p, s in rows:  # rows at zero hold nothing; a later row at the same price replaces an earlier
                if Decimal(s) != 0:
                    self.sides[side][self.price(side, p)] = Decimal(s)
        self.valid = True

    def delta(self, side: str, text: str, delta: str) -> None:
        if not self.valid:
            return
        price = self.price(side, text)
        size = self.sides[side].get(price, Decimal(0)) + Decimal(delta)
        if size < 0:
            self.valid = False
        elif size == 0:
            self.sides[side].pop(price, None)
        else:
            self.sides[side][price] = size


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(STEP, max_size=40), use_yes=st.booleans())
def test_fast_book_equals_a_plain_decimal_book(steps: list[Any], use_yes: bool) -> None:
    """Random snapshots and deltas (some driving a level below zero), prices in several spellings: the book
    holds exactly what the plain reference holds, and is valid exactly when the reference is."""
    live, ref = Book("T"), ReferenceBook(use_yes)
    for step in steps:
        if step[0] == "snapshot":
            _, yes, no = step
            msg = {"yes_dollars_fp": [list(r) for r in yes], "no_dollars_fp": [list(r) for r in no]}
            live.apply_snapshot(msg, use_yes_price=use_yes)
            ref.snapshot(yes, no)
        else:
            _, side, price, delta = step
            try:
                live.apply_delta(
                    {"side": side, "price_dollars": price, "delta_fp": delta}, use_yes_price=use_yes
                )
            except BookError:
                assert ref.valid  # only a delta on a valid book can fail
            ref.delta(side, price, delta)
        assert live.valid == ref.valid
        if ref.valid:
            assert (live.yes, live.no) == (ref.sides["yes"], ref.sides["no"])
            assert live.levels("yes") == sorted(ref.sides["yes"].items())


def test_parse_cache_is_bounded_and_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    from kalshi_nb.feed import books

    monkeypatch.setattr(books, "_PARSED", {})
    monkeypatch.setattr(books, "_PARSED_MAX", 8)
    values = [exact(f"{i}.25") for i in range(50)]
    assert values == [Decimal(f"{i}.25") for i in range(50)] and len(books._PARSED) <= 8
    assert exact("7.25") is exact("7.25")  # a cached text gives back the same (immutable) object
    for bad in ("NaN", "inf", "x"):
        with pytest.raises(BookError):
            exact(bad)
        assert bad not in books._PARSED


def test_one_stamp_confirms_every_valid_book_of_its_sid() -> None:
    from kalshi_nb.feed.state import FeedState

    names = [f"M{i}" for i in range(50)]
    state = FeedState()
    state.subscribed(1, "orderbook_delta", names)
    for seq, name in enumerate(names[:-1], 1):  # the last market never gets its snapshot
        state.apply(
            {"type": "orderbook_snapshot", "sid": 1, "seq": seq, "msg": {"market_ticker": name}}, now=1.0
        )
    delta = {"market_ticker": "M0", "price_dollars": "0.40", "delta_fp": "2.00", "side": "yes"}
    state.apply({"type": "orderbook_delta", "sid": 1, "seq": 50, "msg": delta}, now=7.0)
    assert [state.books[n].confirmed for n in names] == [7.0] * 49 + [None]
    state.books["M3"].invalidate()  # an invalid book keeps the time it was last known current ...
    state.apply({"type": "orderbook_delta", "sid": 1, "seq": 51, "msg": delta}, now=9.0)
    assert state.books["M3"].confirmed == 7.0 and state.books["M4"].confirmed == 9.0
    state.apply({"type": "orderbook_delta", "sid": 1, "seq": 51, "msg": delta}, now=11.0)  # a duplicate
    assert state.books["M4"].confirmed == 9.0
    state.apply({"type": "orderbook_delta", "sid": 1, "seq": 60, "msg": delta}, now=12.0)  # a gap
    assert not state.books["M4"].valid and state.books["M4"].confirmed == 9.0
    state.disconnected()
    state.subscribed(2, "orderbook_delta", ["M4"])
    state.apply({"type": "orderbook_snapshot", "sid": 2, "seq": 1, "msg": {"market_ticker": "M4"}}, now=20.0)
    state.apply(
        {"type": "orderbook_delta", "sid": 2, "seq": 2, "msg": {**delta, "market_ticker": "M4"}}, now=21.0
    )
    state.apply({"type": "ticker", "sid": 9, "msg": {"market_ticker": "M4"}}, now=30.0)  # not its sid
    assert state.books["M4"].confirmed == 21.0 and state.books["M5"].confirmed == 9.0


def test_book_still_reads_and_compares_like_the_dataclass_it_was() -> None:
    book = Book("T", {D("0.40"): D("3.00")}, {})
    assert book.best_bid() == D("0.40") and not book.valid and book.confirmed is None
    book.confirmed = 4.0  # as the feed's watchdog does after a pong
    assert book.confirmed == 4.0 and book == Book("T", {D("0.40"): D("3.00")}, {}, confirmed=4.0)
    assert "Book(ticker='T'" in repr(book) and book != Book("U")
