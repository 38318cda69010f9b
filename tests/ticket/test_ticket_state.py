"""The ticket's state machine, without widgets: every transition is walked, and every view derived on the way
is checked against the rules stated independently here (Place enabled iff placeable; no two visible
messages contradict each other)."""

from __future__ import annotations

import dataclasses
import itertools
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_nb.ticket.state import (
    CLEARS_CONFIRM,
    TRANSITIONS,
    Event,
    Facts,
    Phase,
    View,
    derive,
    placeable,
    step,
)

READY = Facts(
    ticker="KXFEDDECISION-26DEC-H0",
    market_status="active",
    market_open=True,
    preview=True,
    preview_age=10.0,
    price_reading="= 60¢ = $0.60",
    worst_case="$1.83",
    cap="$100.00",
)


def should_place(phase: Phase, f: Facts) -> bool:
    """The rule, stated again from the issue: only a fresh preview of exactly these inputs that would be
    accepted (cap, opt-in, confirmation, market open, no pause), nothing in flight, not already placed."""
    fresh = f.preview and f.preview_age is not None and f.preview_age < f.max_age
    real_production = f.production and not f.dry_run
    return (
        phase is Phase.PREVIEWED
        and bool(f.ticker)
        and not f.field_errors
        and fresh
        and f.within_cap
        and f.market_status is not None
        and f.market_open
        and not f.paused_until
        and not f.busy
        and (not real_production or (f.live_enabled and f.confirm))
    )


def check(phase: Phase, f: Facts, v: View) -> None:
    """Every invariant a trader relies on, for one derived view."""
    texts = v.texts()
    joined = "\n".join(texts)
    assert v.phase is phase
    assert v.css_class == f"kalshi-phase-{phase.value}"
    # Place is enabled exactly when the current preview can be placed
    assert v.place_disabled == (not should_place(phase, f)), (phase, f, v)
    assert placeable(phase, f) == should_place(phase, f)
    # dry run messages never beside a real receipt, and only while dry run is on
    if v.show_receipt:
        assert "DRY RUN" not in joined
        assert not v.show_dry_run
    if not f.dry_run:
        assert "Untick Dry run" not in joined
        assert "Dry run is on" not in joined
        assert not v.show_dry_run
    if "Place sends this exact order" in joined:
        assert not v.place_disabled
        assert not f.dry_run
    # the banner says what safety says, now
    if f.production:
        assert ("NOT enabled" in v.banner_note) == (not f.live_enabled)
        assert ("live trading enabled" in v.banner_note) == f.live_enabled
    else:
        assert v.banner_note == ""
    if f.live_enabled:
        assert "NOT enabled" not in joined
        assert "Live trading is not enabled" not in joined
    # placed / canceled words only in their phases; the receipt only with an order
    assert ("Placed:" in v.status_text) == (phase is Phase.PLACED and not f.error and not f.busy)
    if v.show_receipt:
        assert phase in (Phase.PLACED, Phase.CANCELLED)
        assert f.placed_id
    assert v.cancel_visible == (phase is Phase.PLACED and f.placed_status == "resting")
    assert v.confirm_visible == (f.production and not f.dry_run)
    # the age line counts down only while the preview is fresh, and says stale when it is not
    if "stale in" in v.age_text:
        assert phase is Phase.PREVIEWED
        assert f.preview_age is not None
        assert f.preview_age < f.max_age
    if phase is Phase.STALE and f.preview_age is not None:
        assert "stale: preview again" in v.age_text
    # field errors are shown next to their field, and the reading of a bad price is not
    for name, text in f.field_errors:
        assert v.field_error(name) == text
        assert text not in v.status_text  # shown once, next to its field
    if any(name == "price" for name, _ in f.field_errors):
        assert v.price_reading == ""
    # one plain sentence: no class names, no tracebacks, no label left empty
    assert "Traceback" not in joined
    assert "Error:" not in joined
    assert v.place_label
    assert v.status_text
    assert v.price_label == f"{f.outcome.upper()} price"
    check_live(phase, f, v)


def check_live(phase: Phase, f: Facts, v: View) -> None:
    """The live book and the live order state, stated again: a book reads as current only when it is."""
    current = (
        f.live == "live" and f.book_valid and f.book_age is not None and f.book_age <= f.book_max_age
    )  # at the limit still current (feed.view.is_current)
    assert v.book_fresh == (bool(f.ticker) and current), (f, v)
    assert v.book_text.startswith("Live book: current") == v.book_fresh
    if v.book_fresh:
        assert v.show_book
    if v.show_book and not v.book_fresh:
        assert "STALE" in v.book_text
        assert "not the current book" in v.book_text
    if "STALE" in v.book_text:
        assert not v.book_fresh
    if f.live == "off" or not f.ticker:
        assert (v.book_text, v.show_book) == ("", False)
    if f.live == "unavailable" and f.ticker:
        assert "unavailable" in v.book_text
        assert not v.show_book
    if f.book_age is None:
        assert not v.show_book  # never current: there is no ladder worth showing
    # the order's state is "as last read" exactly when no feed is following it
    placed_words = phase in (Phase.PLACED, Phase.CANCELLED) and not f.error and not f.busy
    if placed_words:
        assert ("As last read" in v.status_text) == (f.live in ("down", "unavailable"))
    assert ("partly filled" in v.status_text) == (
        phase is Phase.PLACED and placed_words and f.placed_status == "resting" and f.placed_partial
    )


# A grid over the facts that change what may be placed, on top of a ready preview.
_SWITCHES = {
    "production": (False, True),
    "live_enabled": (False, True),
    "dry_run": (False, True),
    "confirm": (False, True),
    "within_cap": (False, True),
    "market_open": (False, True),
    "paused_until": (None, "trading resumes Thu Dec 3 05:00 ET (10:00 UTC)"),
    "busy": ("", "Reading the market and the book…"),
    "preview_age": (10.0, 299.0, 300.0, 400.0),
    "dry_run_shown": (False, True),
}


def grid() -> list[Facts]:
    names = list(_SWITCHES)
    return [
        dataclasses.replace(READY, **dict(zip(names, values, strict=True)))
        for values in itertools.product(*_SWITCHES.values())
    ]


EXTRA = [
    Facts(),  # a fresh form
    dataclasses.replace(READY, ticker=""),
    dataclasses.replace(READY, market_status=None, market_open=False),
    dataclasses.replace(READY, field_errors=(("price", "A price is below $1."),)),
    dataclasses.replace(READY, field_errors=(("count", "Contracts must be more than zero."),)),
    dataclasses.replace(READY, preview=False, preview_age=None, inputs_changed=True),
    dataclasses.replace(READY, error="The exchange refused while placing the order: no."),
    dataclasses.replace(READY, placed_id="o-1", placed_status="resting", placed_counts="0 of 3 filled"),
    dataclasses.replace(READY, placed_id="o-1", placed_status="executed", placed_counts="3 of 3 filled"),
    dataclasses.replace(READY, placed_id="o-1", placed_status="canceled", placed_counts="0 of 3 filled"),
    dataclasses.replace(READY, outcome="no", warnings=2),
]

# The live feed's facts, over a ready preview and over a placed order (resting, partly filled, executed).
_PLACED = [
    {},
    {"placed_id": "o-1", "placed_status": "resting", "placed_counts": "0 of 3 filled"},
    {"placed_id": "o-1", "placed_status": "resting", "placed_counts": "1 of 3 filled, 2 resting",
     "placed_partial": True},
    {"placed_id": "o-1", "placed_status": "executed", "placed_counts": "3 of 3 filled"},
    {"placed_id": "o-1", "placed_status": "canceled", "placed_counts": "1 of 3 filled", "placed_partial": False},
]  # fmt: skip
LIVE = [
    dataclasses.replace(
        READY, live=live, live_note=note, book_valid=valid, book_age=age, ticker=ticker, **placed
    )
    for live, note in (
        ("off", ""), ("connecting", ""), ("live", ""), ("down", "the connection closed"),
        ("unavailable", "the exchange refused the connection, HTTP 503"),
    )
    for valid in (False, True)
    for age in (None, 0.0, 4.9, 5.0, 60.0)
    for placed in _PLACED
    for ticker in ("KXFEDDECISION-26DEC-H0", "")
]  # fmt: skip


@pytest.mark.parametrize(("phase", "event"), sorted(TRANSITIONS, key=lambda k: (k[0].value, k[1].value)))
def test_every_transition_yields_consistent_views(phase: Phase, event: Event) -> None:
    target = step(phase, event)
    assert target is TRANSITIONS[(phase, event)]
    for facts in grid() + EXTRA + LIVE:
        check(target, facts, derive(target, facts))


def test_the_live_facts_never_change_what_may_be_placed() -> None:
    # Place-enabled is the old rule: the feed shows things, it never enables or blocks an order.
    for phase in Phase:
        for facts in LIVE:
            quiet = dataclasses.replace(facts, live="off", book_valid=False, book_age=None)
            assert placeable(phase, facts) == placeable(phase, quiet) == should_place(phase, facts)
            assert derive(phase, facts).place_tooltip == derive(phase, quiet).place_tooltip


def test_the_live_book_lines() -> None:
    on = dataclasses.replace(READY, live="live", book_valid=True, book_age=1.2)
    assert derive(Phase.EDITING, on).book_text == "Live book: current (confirmed by the feed 1 s ago)."
    old = derive(Phase.EDITING, dataclasses.replace(on, book_age=7.0))
    assert (old.show_book, old.book_fresh, old.book_tone) == (True, False, "error")
    assert old.book_text.startswith("Live book STALE: no word from the feed (last confirmed 0:07 ago)")
    gap = derive(Phase.EDITING, dataclasses.replace(on, book_valid=False))
    assert "waiting for a fresh snapshot" in gap.book_text
    down = derive(Phase.EDITING, dataclasses.replace(on, live="down", live_note="the connection closed"))
    assert "the feed is down (the connection closed)" in down.book_text
    assert not down.book_fresh
    refused = derive(Phase.EDITING, dataclasses.replace(on, live="unavailable", live_note="HTTP 503"))
    assert refused.book_text.startswith("Live book unavailable (HTTP 503): the form works over REST")
    partly = dataclasses.replace(on, **_PLACED[2])
    assert (
        derive(Phase.PLACED, partly).status_text
        == "Placed: order o-1 is partly filled (1 of 3 filled, 2 resting)."
    )
    assert derive(
        Phase.PLACED, partly
    ).cancel_visible  # a partly filled order still rests: it can be canceled
    behind = derive(Phase.PLACED, dataclasses.replace(partly, live="down"))
    assert behind.status_text.endswith("As last read: live updates are down; Refresh reads it.")


def test_every_event_not_in_the_table_leaves_the_phase() -> None:
    for phase, event in itertools.product(Phase, Event):
        if (phase, event) not in TRANSITIONS:
            assert step(phase, event) is phase


def test_every_phase_is_reachable_and_can_be_left() -> None:
    seen, todo = {Phase.EDITING}, deque([Phase.EDITING])
    while todo:
        phase = todo.popleft()
        for event in Event:
            nxt = step(phase, event)
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(Phase)
    for phase in Phase:
        assert {step(phase, e) for e in Event} - {phase}, phase


def test_the_table_encodes_the_rules() -> None:
    # nothing leaves PLACING but the exchange's answer: an edit cannot un-send an order
    assert {step(Phase.PLACING, e) for e in Event} == {Phase.PLACING, Phase.PLACED, Phase.REFUSED}
    # only a previewed form can start placing, and only PLACING becomes PLACED
    assert {p for p, e in TRANSITIONS if e is Event.PLACE} == {Phase.PREVIEWED}
    assert {p for p, e in TRANSITIONS if TRANSITIONS[(p, e)] is Phase.PLACED} == {Phase.PLACING}
    # an edit always drops the preview (except mid-flight)
    assert all(step(p, Event.EDIT) is Phase.EDITING for p in Phase if p is not Phase.PLACING)
    # the production confirmation is for one order
    assert {Event.EDIT, Event.PLACED, Event.PREVIEWED} <= CLEARS_CONFIRM
    assert Event.AGED not in CLEARS_CONFIRM


def test_a_real_production_order_needs_both_opt_ins() -> None:
    prod = dataclasses.replace(READY, production=True, live_enabled=False, dry_run=False, env="prod")
    assert not placeable(Phase.PREVIEWED, prod)
    view = derive(Phase.PREVIEWED, prod)
    assert "Live trading is not enabled" in view.status_text
    assert "NOT enabled" in view.banner_note
    enabled = dataclasses.replace(prod, live_enabled=True)
    assert "Tick 'I confirm" in derive(Phase.PREVIEWED, enabled).status_text
    assert derive(Phase.PREVIEWED, enabled).banner_note == "live trading enabled"
    ready = dataclasses.replace(enabled, confirm=True)
    view = derive(Phase.PREVIEWED, ready)
    assert not view.place_disabled
    assert (view.place_label, view.place_style) == ("Place REAL order", "danger")
    # dry run needs neither: it sends nothing
    assert placeable(Phase.PREVIEWED, dataclasses.replace(prod, dry_run=True))


def test_the_age_counts_down_then_the_preview_goes_stale() -> None:
    assert derive(Phase.PREVIEWED, READY).age_text == "previewed 0:10 ago · stale in 4:50"
    late = dataclasses.replace(READY, preview_age=300.0)
    assert derive(Phase.PREVIEWED, late).place_disabled  # at the limit, before the tick moves the phase
    stale = derive(step(Phase.PREVIEWED, Event.AGED), late)
    assert stale.place_disabled
    assert stale.place_label == "Place (stale)"
    assert stale.preview_label == "Preview again"
    assert "click Preview again" in stale.status_text


def test_messages_for_each_blocker_say_what_to_do() -> None:
    cases = {
        "within_cap": (False, "kalshi_nb.set_spend_cap"),
        "market_open": (False, "pick an open market"),
        "paused_until": ("trading resumes Thu Dec 3 05:00 ET (10:00 UTC)", "weekly trading pause"),
        "busy": ("Placing…", "Placing…"),
    }
    for name, (value, words) in cases.items():
        view = derive(Phase.PREVIEWED, dataclasses.replace(READY, **{name: value}))
        assert words in view.status_text, name
        assert view.place_disabled, name
        assert words in view.place_tooltip or view.place_tooltip.startswith(view.status_text[:10]), name


# --- random walks ---------------------------------------------------------------------------------------

facts_strategy = st.builds(
    Facts,
    env=st.sampled_from(["sandbox", "demo", "prod", "custom"]),
    production=st.booleans(),
    live_enabled=st.booleans(),
    dry_run=st.booleans(),
    confirm=st.booleans(),
    outcome=st.sampled_from(["yes", "no"]),
    ticker=st.sampled_from(["", "KXFEDDECISION-26DEC-H0"]),
    market_status=st.sampled_from([None, "active", "closed", "settled"]),
    market_open=st.booleans(),
    paused_until=st.sampled_from([None, "trading resumes Thu Dec 3 05:00 ET (10:00 UTC)"]),
    field_errors=st.sampled_from([(), (("price", "A price is below $1."),), (("count", "Type a count."),)]),
    price_reading=st.sampled_from(["", "= 45¢ = $0.45"]),
    inputs_changed=st.booleans(),
    preview=st.booleans(),
    preview_age=st.one_of(st.none(), st.floats(min_value=0, max_value=1000)),
    max_age=st.sampled_from([5.0, 300.0]),
    warnings=st.integers(min_value=0, max_value=3),
    within_cap=st.booleans(),
    busy=st.sampled_from(["", "Reading the market and the book…", "Canceling…"]),
    dry_run_shown=st.booleans(),
    placed_id=st.sampled_from(["", "o-1"]),
    placed_status=st.sampled_from(["", "resting", "executed", "canceled"]),
    error=st.sampled_from(["", "The exchange refused while placing the order: insufficient balance."]),
    placed_partial=st.booleans(),
    live=st.sampled_from(["off", "connecting", "live", "down", "unavailable"]),
    live_note=st.sampled_from(["", "the connection closed"]),
    book_valid=st.booleans(),
    book_age=st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
    book_max_age=st.sampled_from([0.5, 5.0]),
)


@settings(max_examples=300, deadline=None)
@given(events=st.lists(st.sampled_from(list(Event)), max_size=25), facts=st.lists(facts_strategy, min_size=1))
def test_random_event_sequences_keep_every_view_consistent(events: list[Event], facts: list[Facts]) -> None:
    phase = Phase.EDITING
    for i, event in enumerate(events):
        before = phase
        phase = step(phase, event)
        assert phase is TRANSITIONS.get((before, event), before)
        f = facts[i % len(facts)]
        check(phase, f, derive(phase, f))
