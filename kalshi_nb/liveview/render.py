"""What the live market view shows, as pure functions: one :class:`LiveState` (a snapshot) in, HTML out.

No widgets, no feed, no clock of its own: the widget takes a snapshot under the feed's lock, calls
:func:`render` and sets the ``.value`` of a few HTML widgets, so every rule about what is shown (a stale
book is grey and says "STALE", the clock never claims time the window does not have) is tested here on
hand-made states without a browser.

Example:
    >>> from datetime import datetime, timezone
    >>> now = datetime(2026, 12, 2, 15, 50, tzinfo=timezone.utc)
    >>> s = LiveState(ticker="T-1", now=now, close_time=datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc),
    ...               book={"yes_dollars": [["0.45", "10"]], "no_dollars": [["0.53", "4"]]},
    ...               connected=True, valid=True, book_age=0.2, last_message_age=0.2)
    >>> parts = render(s)
    >>> "10m 00s left" in parts.header, "kalshi-book-stale" in parts.book, "connected" in parts.health
    (True, False, True)
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, NamedTuple

from ..display.book import book_html, book_sides
from ..display.market import NO_MATH
from ..display.timefmt import format_cents, format_count, format_duration, format_time, to_datetime
from ..feed.view import is_current

# A valid book not confirmed current for this long is shown stale: the feed proves liveness at least once a
# second (an in-order message, or a ping on a quiet feed), so several seconds of silence means trouble.
_GREEN, _GREY, _RED, _AMBER = "#2e7d32", "#757575", "#c62828", "#ef6c00"


@dataclass(frozen=True)
class LiveState:
    """Everything one frame of the view shows, read at one moment (see ``LiveMarketView.snapshot``).

    ``book``: the REST ``orderbook_fp`` shape (None before any); ``valid``: the feed says it is complete and
    current; ``book_age``: seconds since it was last known current; ``trades``: REST trade records, newest
    first; ``prices``: ``(epoch seconds, YES mid)`` samples, oldest first; ``mine``: YES prices of your
    resting orders; ``error``: why the feed is not connected (None: no reason known).
    """

    ticker: str
    now: datetime
    title: str = ""
    open_time: datetime | None = None
    close_time: datetime | None = None
    status: str | None = None
    book: Mapping[str, Any] | None = None
    valid: bool = False
    book_age: float | None = None
    connected: bool = False
    last_message_age: float | None = None
    messages: int = 0
    gaps: int = 0
    gaps_recovered: int = 0
    reconnects: int = 0
    error: str | None = None
    trades: Sequence[Mapping[str, Any]] = ()
    prices: Sequence[tuple[float, Decimal]] = ()
    mine: frozenset[Decimal] = field(default_factory=frozenset)
    stopped: bool = False
    depth: int = 10


class Parts(NamedTuple):
    """The view's HTML, one string per box (the widget sets each box's ``.value``)."""

    header: str
    book: str
    trades: str
    chart: str
    health: str


def fresh(s: LiveState) -> bool:
    """True only when the book may be shown as current: connected, valid, and confirmed recently.

    Example:
        >>> from datetime import datetime, timezone
        >>> now = datetime(2026, 1, 1, tzinfo=timezone.utc)
        >>> fresh(LiveState("T", now, connected=True, valid=True, book_age=0.5)), fresh(
        ...     LiveState("T", now, connected=True, valid=True, book_age=60.0))
        (True, False)
    """
    return is_current(s.connected and not s.stopped, s.valid, s.book_age)


def stale_reason(s: LiveState) -> str:
    """Why the book is not current, in a few words ("" when it is)."""
    if fresh(s):
        return ""
    if s.stopped:
        return "the view is stopped"
    if not s.connected:
        return "not connected"
    if not s.valid:
        return "waiting for a snapshot after a gap or a reconnect"
    if s.book_age is None:
        return "no update yet"
    return f"no confirmation for {format_duration(s.book_age)}"


def mid(book: Mapping[str, Any] | None) -> Decimal | None:
    """The YES mid of a REST-shaped book, or None when a side is empty.

    Example:
        >>> mid({"yes_dollars": [["0.45", "1"]], "no_dollars": [["0.53", "1"]]})
        Decimal('0.46')
    """
    if not book:
        return None
    bids, asks = book_sides(book)
    if not bids or not asks:
        return None
    return (bids[0][0] + asks[0][0]) / 2


def clock_text(
    now: datetime, open_time: datetime | None, close_time: datetime | None, status: str | None = None
) -> str:
    """The time left in the window, by ``now``: ``"9m 12s left"``, ``"opens in 45s"``, ``"closed"``.

    If the exchange still lists the market open after its close time by this clock, the clocks disagree:
    say so rather than count time that is not there.

    Example:
        >>> from datetime import datetime, timezone
        >>> t = lambda m, s=0: datetime(2026, 12, 2, 16, m, s, tzinfo=timezone.utc)
        >>> clock_text(t(50, 48), t(45), t(59, 59)), clock_text(t(44), t(45), t(59)), clock_text(t(59), t(45), t(59))
        ('9m 11s left', 'opens in 1m 00s', 'closed')
    """
    if close_time is None:
        return "no close time"
    if open_time is not None and now < open_time:
        return f"opens in {format_duration((open_time - now).total_seconds())}"
    left = (close_time - now).total_seconds()
    if left > 0:
        return f"{format_duration(left)} left"
    if status in ("active", "open"):
        return "past its close time by this computer's clock (the exchange still lists it open)"
    return "closed"


def _cents(value: Decimal | None) -> str:
    return "—" if value is None else format_cents(value)


def header_html(s: LiveState) -> str:
    """Ticker and title, best bid / ask / mid (classes ``kalshi-live-best-bid`` ...), and the time left."""
    bids, asks = book_sides(s.book or {})
    bid = bids[0][0] if bids else None
    ask = asks[0][0] if asks else None
    now_fresh = fresh(s)
    colour = "#111" if now_fresh else _GREY
    tag = "" if now_fresh else ' <span class="kalshi-live-stale-tag" style="font-weight:700">(stale)</span>'
    quote = (
        f'<span style="color:{colour}">YES bid <b class="kalshi-live-best-bid">{_cents(bid)}</b> · '
        f'ask <b class="kalshi-live-best-ask">{_cents(ask)}</b> · mid '
        f'<b class="kalshi-live-mid">{_cents(mid(s.book))}</b>{tag}</span>'
    )
    closes = (
        f" (closes {html.escape(format_time(s.close_time, seconds=False))})"
        if s.close_time is not None
        else ""
    )
    clock = html.escape(clock_text(s.now, s.open_time, s.close_time, s.status))
    title = f' <span style="color:#555">{html.escape(s.title)}</span>' if s.title else ""
    return (
        f'<div class="kalshi-live-header {NO_MATH}" style="font-family:sans-serif;font-size:13px">'
        f'<b class="kalshi-live-ticker">{html.escape(s.ticker)}</b>{title}<br>{quote}<br>'
        f'<span class="kalshi-live-clock">{clock}</span>'
        f'<span style="color:#777">{closes}</span></div>'
    )


def trades_html(trades: Sequence[Mapping[str, Any]], n: int = 8, *, faded: bool = False) -> str:
    """The last ``n`` trades (newest first): time, YES price, contracts, taker side.

    Example:
        >>> html = trades_html([{"created_time": "2026-12-02T15:50:01Z", "yes_price_dollars": "0.4500",
        ...                      "count_fp": "3.00", "taker_side": "yes"}])
        >>> html.count('class="kalshi-live-trade"'), "45¢" in html
        (1, True)
    """
    cell = "padding:1px 6px;text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap"
    rows = []
    for t in list(trades)[:n]:
        when = to_datetime(t.get("created_time"))
        side = str(t.get("taker_side") or "")
        colour = {"yes": "#1f77b4", "no": "#ff7f0e"}.get(side, "#555")
        price = t.get("yes_price_dollars")
        rows.append(
            f'<tr class="kalshi-live-trade"><td style="{cell};color:#777">'
            f"{html.escape(format_time(when, seconds=True) if when else '—')}</td>"
            f'<td style="{cell};font-weight:600">{html.escape(format_cents(price) if price else "—")}</td>'
            f'<td style="{cell}">{html.escape(format_count(t.get("count_fp")))}</td>'
            f'<td style="{cell};color:{colour}">{html.escape(side.upper() or "—")} taker</td></tr>'
        )
    body = "".join(rows) or '<tr><td style="padding:1px 6px;color:#777">no trades seen yet</td></tr>'
    look = ";opacity:.6" if faded else ""
    return (
        f'<div class="kalshi-live-trades {NO_MATH}" style="font-family:sans-serif;font-size:12px{look}">'
        f'<div style="margin-bottom:2px">last trades</div>'
        f'<table style="border-collapse:collapse;font-size:12px">{body}</table></div>'
    )


def sparkline_svg(
    prices: Sequence[tuple[float, Decimal]],
    trades: Sequence[tuple[float, Decimal]] = (),
    *,
    width: int = 320,
    height: int = 90,
    faded: bool = False,
) -> str:
    """The YES mid as a line over time, trades as dots, in an inline SVG (class ``kalshi-live-chart``).

    ``prices`` and ``trades``: ``(epoch seconds, YES price in dollars)``. The price axis spans the points
    seen, at least 2¢, with the lowest and highest price labelled.

    Example:
        >>> svg = sparkline_svg([(0.0, Decimal("0.45")), (1.0, Decimal("0.47"))], [(0.5, Decimal("0.46"))])
        >>> svg.startswith("<svg") and svg.count("<circle") == 1 and "47¢" in svg
        True
    """
    pad_l, pad_r, pad_y = 34, 6, 8
    points = [*prices, *trades]
    if not points:
        return (
            f'<svg class="kalshi-live-chart" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg"><text x="{width // 2}" y="{height // 2}" '
            f'text-anchor="middle" font-size="11" fill="#777">no YES price yet</text></svg>'
        )
    t0, t1 = min(t for t, _ in points), max(t for t, _ in points)
    cent = Decimal("0.01")
    # Whole cents at both ends (labels read "49¢", not "49.25¢"), at least 2¢ apart.
    lo = min(p for _, p in points).quantize(cent, rounding=ROUND_FLOOR)
    hi = max(p for _, p in points).quantize(cent, rounding=ROUND_CEILING)
    if hi - lo < 2 * cent:
        lo, hi = lo - cent, hi + cent
    span_t = (t1 - t0) or 1.0
    span_p = float(hi - lo)

    def xy(t: float, p: Decimal) -> tuple[float, float]:
        x = pad_l + (t - t0) / span_t * (width - pad_l - pad_r)
        y = pad_y + (1 - float(p - lo) / span_p) * (height - 2 * pad_y)
        return x, y

    colour = _GREY if faded else "#1f77b4"
    label = '<text x="{x}" y="{y}" text-anchor="end" font-size="10" fill="#555">{text}</text>'
    parts = [
        (
            f'<svg class="kalshi-live-chart" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" '
            f'style="font-family:sans-serif{";opacity:.6" if faded else ""}">'
        ),
        f'<line x1="{pad_l}" y1="{pad_y}" x2="{pad_l}" y2="{height - pad_y}" stroke="#ccc"/>',
        label.format(x=pad_l - 3, y=pad_y + 4, text=html.escape(format_cents(hi))),
        label.format(x=pad_l - 3, y=height - pad_y, text=html.escape(format_cents(lo))),
    ]
    if prices:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(t, p) for t, p in prices))
        if len({t for t, _ in prices}) == 1:  # one moment: the price so far, across the chart
            y = xy(*prices[-1])[1]
            line = f"{pad_l:.1f},{y:.1f} {width - pad_r:.1f},{y:.1f}"
        parts.append(
            f'<polyline class="kalshi-live-mid-line" points="{line}" fill="none" stroke="{colour}" '
            f'stroke-width="1.5"/>'
        )
    for t, p in trades:
        x, y = xy(t, p)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#ff7f0e" fill-opacity=".8"/>')
    parts.append("</svg>")
    return "".join(parts)


def chart_html(s: LiveState) -> str:
    """The sparkline with its caption: YES mid (line) and trades (dots) since the view started."""
    dots = []
    for t in s.trades:
        when, price = to_datetime(t.get("created_time")), t.get("yes_price_dollars")
        if when is not None and price:
            dots.append((when.timestamp(), Decimal(str(price))))
    if s.prices:  # trades from before the first sample would squash the line to the right edge
        dots = [d for d in dots if d[0] >= s.prices[0][0]]
    svg = sparkline_svg(s.prices, sorted(dots), faded=not fresh(s))
    return (
        f'<div class="kalshi-live-price {NO_MATH}" style="font-family:sans-serif;font-size:12px">'
        f'<div style="margin-bottom:2px">YES mid (line) and trades (dots)</div>{svg}</div>'
    )


_CLASS_NAME = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z][A-Za-z0-9]+:\s+")


def plain_error(text: str) -> str:
    """An error as a trader reads it: no exception class name in front (``InvalidStatus: ...``).

    Example:
        >>> plain_error("InvalidStatus: server rejected WebSocket connection: HTTP 503")
        'server rejected WebSocket connection: HTTP 503'
        >>> plain_error("error 25: subscription buffer overflow")
        'error 25: subscription buffer overflow'
    """
    while _CLASS_NAME.match(text):
        text = _CLASS_NAME.sub("", text, count=1)
    return text


def health_html(s: LiveState) -> str:
    """The feed's health in one line (class ``kalshi-live-health``): connected, age of the last message,
    gaps recovered, and whether the book is valid or stale (stale in grey, with the reason)."""
    if s.stopped:
        state, colour = "stopped", _GREY
    elif s.connected:
        state, colour = "connected", _GREEN
    else:
        state, colour = "not connected", _RED
    bits = [f'<b class="kalshi-live-connection" style="color:{colour}">● {state}</b>']
    if not s.connected and s.error and not s.stopped:
        bits.append(f'<span style="color:{_RED}">{html.escape(plain_error(s.error))}</span>')
    if s.last_message_age is not None and not s.stopped:  # a stopped view's ages no longer mean anything
        bits.append(f"last message {s.last_message_age:.1f} s ago")
    bits.append(f"{s.messages:,} message{'' if s.messages == 1 else 's'}")
    bits.append(f"gaps {s.gaps} ({s.gaps_recovered} recovered)")
    if s.reconnects:
        bits.append(f"{s.reconnects} reconnects")
    if fresh(s):
        bits.append(f'<b class="kalshi-live-validity" style="color:{_GREEN}">book valid</b>')
    else:
        bits.append(
            f'<b class="kalshi-live-validity" style="color:{_GREY}">book stale: {html.escape(stale_reason(s))}</b>'
        )
    return (
        f'<div class="kalshi-live-health {NO_MATH}" style="font-family:sans-serif;font-size:12px;color:#444">'
        f"{' · '.join(bits)}</div>"
    )


def render(s: LiveState) -> Parts:
    """Every box of the view for one state (pure: the same state always gives the same HTML)."""
    is_fresh = fresh(s)
    book = book_html(
        s.book or {},
        depth=s.depth,
        stale=not is_fresh,
        stale_reason=stale_reason(s),
        mine=s.mine,
    )
    return Parts(
        header=header_html(s),
        book=book,
        trades=trades_html(s.trades, faded=not is_fresh),
        chart=chart_html(s),
        health=health_html(s),
    )
