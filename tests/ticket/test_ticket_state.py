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


@pytest.mark.parametrize(("phase", "event"), sorted(TRANSITIONS, key=lambda k: (k[0].value, k[1].value)))
def test_every_transition_yields_consistent_views(phase: Phase, event: Event) -> None:
    target = step(phase, event)
    assert target is TRANSITIONS[(phase, event)]
    for facts in grid() + EXTRA:
        check(target, facts, derive(target, facts))


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
