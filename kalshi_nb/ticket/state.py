"""The order ticket's one source of truth: a phase, the facts around it, and the ``View`` derived from both.

Pure: no ipywidgets, no client, no clock. The widget collects ``Facts`` (what the inputs, the preview, the
placed order, the money settings and the market say right now), keeps a ``Phase`` that changes only through
``step(phase, event)``, and renders only what ``derive(phase, facts)`` returns. Every label, colour, enabled
flag and message on the form comes from here, so no two of them can disagree.

The live feed (``ticket.live``) only adds facts: its state, the book's validity and age, the placed order's
status and counts as the exchange pushed them. They decide the live book's line (a book reads as current
only while connected, valid and recently confirmed; anything else shown says STALE) and the order's words
("partly filled"; "as last read" when no feed follows it), never whether Place is enabled.

Place is enabled exactly when ``placeable(phase, facts)``: a fresh preview of exactly these inputs, within
the spend cap, the market open and not in the weekly pause, live trading enabled and the confirmation ticked
for a real production order, nothing in flight, and not already placed.

Example:
    >>> f = Facts(ticker="T", market_status="active", market_open=True, preview=True, preview_age=42.0)
    >>> view = derive(Phase.PREVIEWED, f)
    >>> view.place_disabled, view.place_label, view.age_text
    (False, 'Place (dry run)', 'previewed 0:42 ago · stale in 4:18')
    >>> step(Phase.PREVIEWED, Event.AGED)
    <Phase.STALE: 'stale'>
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..feed.view import STALE_AFTER, is_current

__all__ = [
    "CLEARS_CONFIRM",
    "TONE_COLOURS",
    "TRANSITIONS",
    "Event",
    "Facts",
    "Phase",
    "View",
    "blocker",
    "derive",
    "placeable",
    "step",
]


class Phase(str, Enum):
    """Where the form is. Exactly one at a time; the root widget carries ``kalshi-phase-<value>``."""

    EDITING = "editing"  # no preview for the current inputs
    PREVIEWED = "previewed"  # a fresh preview of exactly the current inputs
    STALE = "stale"  # the preview is older than its limit: preview again
    PLACING = "placing"  # the create-order request is in flight
    PLACED = "placed"  # this preview became an order (resting or executed)
    CANCELLED = "cancelled"  # the order placed from this preview was canceled
    REFUSED = "refused"  # placing this preview failed; it is not placed


class Event(str, Enum):
    """What happened: the only way the phase changes (``step``)."""

    EDIT = "edit"  # an order input, the ticker or the market changed
    PREVIEWED = "previewed"  # a preview of the current inputs arrived
    PREVIEW_FAILED = "preview_failed"  # the preview could not be made
    AGED = "aged"  # the preview reached its maximum age
    PLACE = "place"  # a real order is being sent
    PLACED = "placed"  # the exchange took it
    REFUSED = "refused"  # it was refused (or its fate is unknown: see Facts.error)
    CANCELLED = "cancelled"  # the placed order is canceled (by the ticket, the panel or elsewhere)


_ANY_BUT_PLACING = [p for p in Phase if p is not Phase.PLACING]

# (phase, event) -> new phase. A pair that is not here leaves the phase as it is: an edit while a request
# is in flight cannot un-send it, a preview ageing after it was placed changes nothing.
TRANSITIONS: dict[tuple[Phase, Event], Phase] = {
    **{(p, Event.EDIT): Phase.EDITING for p in _ANY_BUT_PLACING},
    **{(p, Event.PREVIEWED): Phase.PREVIEWED for p in _ANY_BUT_PLACING},
    **{(p, Event.PREVIEW_FAILED): Phase.EDITING for p in _ANY_BUT_PLACING},
    (Phase.PREVIEWED, Event.AGED): Phase.STALE,
    (Phase.PREVIEWED, Event.PLACE): Phase.PLACING,
    (Phase.PREVIEWED, Event.REFUSED): Phase.REFUSED,  # refused before anything was sent
    (Phase.PLACING, Event.PLACED): Phase.PLACED,
    (Phase.PLACING, Event.REFUSED): Phase.REFUSED,
    (Phase.PLACED, Event.CANCELLED): Phase.CANCELLED,
}

# The production confirmation is for one order, read in one preview: these events untick it.
CLEARS_CONFIRM = frozenset({Event.EDIT, Event.PREVIEWED, Event.PLACED, Event.REFUSED})


def step(phase: Phase, event: Event) -> Phase:
    """The phase after ``event``; unchanged when the event does not apply to ``phase``.

    Example:
        >>> step(Phase.PLACING, Event.EDIT)      # inputs typed while the order is in flight
        <Phase.PLACING: 'placing'>
    """
    return TRANSITIONS.get((phase, event), phase)


@dataclass(frozen=True)
class Facts:
    """Everything the form shows besides the phase, read fresh at every render (nothing cached here).

    Money and times are already text (the widget formats them with ``kalshi_nb.display``).
    """

    env: str = "sandbox"
    production: bool = False
    live_enabled: bool = True  # safety.live_trading_enabled(client), re-read every time
    dry_run: bool = True
    confirm: bool = False
    outcome: str = "yes"
    ticker: str = ""
    market_status: str | None = None  # None: no market has been read for the ticker
    market_open: bool = False  # status active/open and its close time not passed
    paused_until: str | None = None  # "trading resumes Thu Dec 3 05:00 ET (...)" during the weekly pause
    field_errors: tuple[tuple[str, str], ...] = ()  # (field, sentence), e.g. ("price", "...")
    price_reading: str = ""  # "= 45¢ = $0.45"
    inputs_changed: bool = False  # a preview was dropped because an input changed
    preview: bool = False  # a preview exists for exactly the current inputs
    preview_age: float | None = None  # seconds
    max_age: float = 300.0
    warnings: int = 0
    within_cap: bool = True
    worst_case: str = ""  # "$1.83"
    cap: str = ""  # "$1.00"
    busy: str = ""  # what is in flight ("Reading the market…"), "" when nothing
    dry_run_shown: bool = False  # Place was clicked in dry run for this preview
    placed_id: str = ""
    placed_status: str = ""  # the placed order's current status: resting / executed / canceled
    placed_counts: str = ""  # "0 of 3 filled"
    error: str = ""  # one sentence about the last failed call ("" when the last call went well)
    placed_partial: bool = False  # the placed order rests with some of it filled ("partly filled")
    # The live feed of the ticker (ticket.live): "off" (none: live=False or no WebSocket URL is known),
    # "connecting", "live" (connected), "down" (was connected, reconnecting) or "unavailable" (never got in).
    live: str = "off"
    live_note: str = ""  # why the feed is down or unavailable, one sentence without a final stop
    book_valid: bool = False  # connected, and a snapshot with nothing missed since (LiveBook.valid)
    book_age: float | None = None  # seconds since the book was last known current (None: never)
    book_max_age: float = STALE_AFTER  # a valid book not confirmed for this long is shown as stale


TONE_COLOURS = {
    "info": "#37474f",
    "ok": "#1b5e20",
    "warn": "#e65100",
    "error": "#c62828",
    "busy": "#555555",
    "note": "#0d47a1",
    "done": "#6d4c41",
}


@dataclass(frozen=True)
class View:
    """Every visible thing on the form, derived from one ``(Phase, Facts)``; the widget renders only this."""

    phase: Phase
    css_class: str  # kalshi-phase-<phase>
    banner_note: str  # after the environment banner: the live-trading state on production
    status_text: str
    status_tone: str
    place_label: str
    place_icon: str
    place_style: str
    place_disabled: bool
    place_tooltip: str
    preview_label: str
    preview_style: str
    preview_disabled: bool
    preview_tooltip: str
    confirm_visible: bool
    cancel_visible: bool
    cancel_disabled: bool
    age_text: str
    age_tone: str
    show_preview: bool
    show_dry_run: bool
    show_receipt: bool
    price_label: str
    price_reading: str
    field_errors: tuple[tuple[str, str], ...] = field(default=())
    book_text: str = ""  # the line over the live ladder ("" when there is no live feed)
    book_tone: str = "info"
    show_book: bool = False  # the ladder is shown: normally when book_fresh, else dimmed under book_text
    book_fresh: bool = False  # the ladder is the current book (valid, connected, recently confirmed)

    @property
    def status_colour(self) -> str:
        return TONE_COLOURS[self.status_tone]

    @property
    def age_colour(self) -> str:
        return TONE_COLOURS[self.age_tone]

    @property
    def book_colour(self) -> str:
        return TONE_COLOURS[self.book_tone]

    def field_error(self, name: str) -> str:
        """The sentence shown next to field ``name`` ("" when it is fine)."""
        return next((text for f, text in self.field_errors if f == name), "")

    def texts(self) -> list[str]:
        """Every message a trader can read on the form (tooltips excluded), for the consistency tests.

        The dry-run box and the receipt are represented by their leading words.
        """
        shown = [self.banner_note, self.status_text, self.place_label, self.preview_label, self.age_text]
        shown.append(self.book_text)
        shown += [text for _, text in self.field_errors]
        if self.price_reading:
            shown.append(self.price_reading)
        if self.show_dry_run:
            shown.append("DRY RUN: nothing was sent.")
        if self.show_receipt:
            shown.append("Order receipt")
        return [t for t in shown if t]


def _clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _fresh(facts: Facts) -> bool:
    return facts.preview and facts.preview_age is not None and facts.preview_age < facts.max_age


def blocker(phase: Phase, facts: Facts) -> str:
    """Why Place cannot send the current preview, as one sentence saying what to do ("" when it can).

    Example:
        >>> blocker(Phase.PREVIEWED, Facts(ticker="T", market_status="active", market_open=True,
        ...                                preview=True, preview_age=1.0, within_cap=False,
        ...                                worst_case="$1.83", cap="$1.00"))[:45]
        'This order can cost up to $1.83, above the sp'
    """
    if facts.busy:
        return f"{facts.busy} Wait for it to finish."
    if phase is Phase.PLACING:
        return "Placing… Wait for the exchange's answer."
    if phase is Phase.PLACED:
        return "This preview was placed: one order per preview. Change an input or click Preview for another."
    if phase is Phase.CANCELLED:
        return "This preview's order was canceled. Click Preview to place another."
    if phase is Phase.REFUSED:
        return "This preview was not placed. Click Preview again."
    if not facts.ticker:
        return "Choose a market or type a ticker."
    if facts.field_errors:
        names = " and the ".join(dict.fromkeys(name for name, _ in facts.field_errors))
        return f"Fix the {names}: see the note under it."  # the sentence itself is shown once, there
    if facts.market_status is None:
        return f"Market {facts.ticker} could not be read: check the ticker, then click Refresh."
    if not facts.market_open:
        return f"Market {facts.ticker} is not open for trading ({facts.market_status}): pick an open market."
    if facts.paused_until:
        return f"Kalshi's weekly trading pause is on: {facts.paused_until}. Orders can be placed then."
    if phase is Phase.STALE or (facts.preview and not _fresh(facts)):
        return (
            f"The preview is older than {_clock(facts.max_age)} and the book has likely moved: "
            "click Preview again."
        )
    if not facts.preview or phase is not Phase.PREVIEWED:
        return "Click Preview first: Place sends only a preview of exactly these inputs."
    if not facts.within_cap:
        return (
            f"This order can cost up to {facts.worst_case}, above the spend cap of {facts.cap} per order: lower "
            "the count or price, or raise the cap with kalshi_nb.set_spend_cap(...) and preview again."
        )
    if facts.production and not facts.dry_run and not facts.live_enabled:
        return (
            "Live trading is not enabled: run kalshi_nb.enable_live_trading(client) in a cell to place real "
            "orders, or tick Dry run."
        )
    if facts.production and not facts.dry_run and not facts.confirm:
        return "Tick 'I confirm a REAL order with real money' to place this order."
    return ""


def placeable(phase: Phase, facts: Facts) -> bool:
    """True exactly when Place would send (or, in dry run, show) the current preview.

    Example:
        >>> placeable(Phase.EDITING, Facts())
        False
    """
    return phase is Phase.PREVIEWED and not blocker(phase, facts)


def _place_button(phase: Phase, facts: Facts) -> tuple[str, str]:
    if phase is Phase.PLACING:
        return "Placing…", "spinner"
    if phase is Phase.PLACED:
        return "Placed", "check"
    if phase is Phase.CANCELLED:
        return "Canceled", "ban"
    if phase is Phase.REFUSED:
        return "Not placed", "times"
    if phase is Phase.STALE:
        return "Place (stale)", "clock-o"  # the Preview button beside it says "Preview again"
    if facts.dry_run:
        return "Place (dry run)", "flask"
    return ("Place REAL order" if facts.production else "Place order"), "paper-plane"


def _warned(facts: Facts) -> str:
    n = facts.warnings
    return f"Previewed with {n} warning{'s' if n != 1 else ''}." if n else "Previewed."


def _status(phase: Phase, facts: Facts, why: str) -> tuple[str, str]:
    """The status line: the last error if there is one, else what the phase and its first blocker say."""
    if facts.busy:
        return facts.busy, "busy"
    if facts.error:
        return facts.error, "error"
    if phase is Phase.PLACING:
        return "Placing…", "busy"
    # Without the feed the order's state is as last read (at placement or Refresh): say so, not "is".
    behind = " As last read: live updates are down; Refresh reads it." if facts.live in _NOT_LIVE else ""
    if phase is Phase.PLACED:
        what = {"resting": "is resting", "executed": "executed", "canceled": "was canceled"}.get(
            facts.placed_status, f"is {facts.placed_status or 'unknown'}"
        )
        if facts.placed_status == "resting" and facts.placed_partial:
            what = "is partly filled"
        counts = f" ({facts.placed_counts})" if facts.placed_counts else ""
        return f"Placed: order {facts.placed_id} {what}{counts}.{behind}", "ok"
    if phase is Phase.CANCELLED:
        counts = f" ({facts.placed_counts})" if facts.placed_counts else ""
        return f"Order {facts.placed_id} canceled{counts}.{behind}", "done"
    if phase is Phase.REFUSED:
        return "The order was not placed. Click Preview again.", "error"
    if phase is Phase.EDITING:
        if facts.inputs_changed and not why.startswith(("Fix", "Choose", "Market")):
            return "Inputs changed: the preview no longer applies. Click Preview.", "warn"
        if why.startswith("Click Preview first"):
            return "Click Preview to see what this order would do; nothing is sent.", "info"
        return why, "warn" if facts.ticker else "info"
    if why:
        return why, "warn"
    if facts.dry_run and facts.dry_run_shown:
        return "Dry run: nothing was sent. Untick Dry run to place it for real.", "note"
    if facts.dry_run:
        return f"{_warned(facts)} Dry run is on: Place shows the request and sends nothing.", "ok"
    return f"{_warned(facts)} Place sends this exact order.", "warn" if facts.warnings else "ok"


def _age(phase: Phase, facts: Facts) -> tuple[str, str]:
    if facts.preview_age is None or phase not in (Phase.PREVIEWED, Phase.STALE):
        return "", "info"
    age = facts.preview_age
    if phase is Phase.STALE or age >= facts.max_age:
        return f"previewed {_clock(age)} ago · stale: preview again", "error"
    left = facts.max_age - age
    return f"previewed {_clock(age)} ago · stale in {_clock(left)}", "warn" if left < 60 else "info"


_NOT_LIVE = ("down", "unavailable")


def _book(facts: Facts) -> tuple[str, str, bool, bool]:
    """The live book's line, tone, whether the ladder shows, and whether it is current (else dimmed).

    A book is current only while connected, valid (a snapshot, nothing missed since) and confirmed within
    ``book_max_age``; anything else that is shown says STALE, so an old book never reads as the market now.
    """
    if facts.live == "off" or not facts.ticker:
        return "", "info", False, False
    note = f" ({facts.live_note})" if facts.live_note else ""
    age = facts.book_age
    seen = age is not None and age != float("inf")  # the book was current once: there is a ladder to show
    if facts.live == "unavailable":
        return (
            f"Live book unavailable{note}: the form works over REST; Refresh reads the market and your order.",
            "warn", False, False,
        )  # fmt: skip
    if facts.live == "connecting":
        return "Live book: connecting to the exchange's feed…", "busy", False, False
    if facts.live == "down":
        return (
            f"Live book STALE: the feed is down{note}, reconnecting; what shows is not the current book.",
            "error", seen, False,
        )  # fmt: skip
    if seen and age is not None and is_current(True, facts.book_valid, age, facts.book_max_age):
        return f"Live book: current (confirmed by the feed {int(age)} s ago).", "ok", True, True
    if not seen:
        return "Live book: waiting for the exchange's snapshot…", "busy", False, False
    assert age is not None
    why = "waiting for a fresh snapshot" if not facts.book_valid else "no word from the feed"
    return (
        f"Live book STALE: {why} (last confirmed {_clock(age)} ago); what shows is not the current book.",
        "error", True, False,
    )  # fmt: skip


def derive(phase: Phase, facts: Facts) -> View:
    """The whole visible form for ``phase`` and ``facts`` (total: any combination gives a coherent view).

    Example:
        >>> v = derive(Phase.PLACED, Facts(ticker="T", placed_id="o1", placed_status="resting",
        ...                               placed_counts="0 of 3 filled", dry_run=False))
        >>> v.status_text, v.show_receipt, v.show_dry_run, v.cancel_visible
        ('Placed: order o1 is resting (0 of 3 filled).', True, False, True)
    """
    why = blocker(phase, facts)
    can_place = phase is Phase.PREVIEWED and not why
    label, icon = _place_button(phase, facts)
    status, tone = _status(phase, facts, why)
    age, age_tone = _age(phase, facts)
    banner = ""
    if facts.production:
        banner = (
            "live trading enabled"
            if facts.live_enabled
            else "live trading NOT enabled: run kalshi_nb.enable_live_trading(client) to trade real money"
        )
    preview_why = ""
    if facts.busy or phase is Phase.PLACING:
        preview_why = "Wait for the request in flight to finish."
    elif not facts.ticker:
        preview_why = "Choose a market or type a ticker first."
    elif facts.market_status is None:
        preview_why = "The market could not be read: check the ticker."
    elif facts.field_errors:
        preview_why = f"Fix the {facts.field_errors[0][0]} first."
    again = phase in (Phase.STALE, Phase.PLACED, Phase.CANCELLED, Phase.REFUSED)
    book_text, book_tone, show_book, book_fresh = _book(facts)
    return View(
        phase=phase,
        css_class=f"kalshi-phase-{phase.value}",
        banner_note=banner,
        status_text=status,
        status_tone=tone,
        place_label=label,
        place_icon=icon,
        place_style="" if facts.dry_run else "danger" if facts.production else "success",
        place_disabled=not can_place,
        place_tooltip=why
        or ("Shows the request; sends nothing" if facts.dry_run else "Sends this exact order"),
        preview_label="Preview again" if again else "Preview",
        preview_style="warning" if phase is Phase.STALE else "info",
        preview_disabled=bool(preview_why),
        preview_tooltip=preview_why or "Read the market and show what the order would do; sends nothing",
        confirm_visible=facts.production and not facts.dry_run,
        cancel_visible=phase is Phase.PLACED and facts.placed_status == "resting",
        cancel_disabled=bool(facts.busy),
        age_text=age,
        age_tone=age_tone,
        show_preview=phase in (Phase.PREVIEWED, Phase.STALE, Phase.PLACING, Phase.REFUSED),
        show_dry_run=phase is Phase.PREVIEWED and facts.dry_run and facts.dry_run_shown,
        show_receipt=phase in (Phase.PLACED, Phase.CANCELLED) and bool(facts.placed_id),
        price_label=f"{facts.outcome.upper()} price",
        price_reading="" if any(f == "price" for f, _ in facts.field_errors) else facts.price_reading,
        field_errors=facts.field_errors,
        book_text=book_text,
        book_tone=book_tone,
        show_book=show_book,
        book_fresh=book_fresh,
    )
