"""An order book as HTML: the YES asks above the YES bids, each level with its size, the running total and a
depth bar. Pure: the ``orderbook_fp`` object of ``GET /markets/{ticker}/orderbook`` in, HTML out.

Kalshi's book lists bids only, on both sides: a NO bid at q is a YES ask at 1 - q.

A live book that may have missed a change (``stale=True``) is drawn grey, under a "STALE" line, so that it
can never pass for a current one; ``mine`` marks the YES prices where your own orders rest.

Example:
    >>> book = {"yes_dollars": [["0.4500", "10.00"], ["0.4400", "5.00"]], "no_dollars": [["0.5300", "7.00"]]}
    >>> html = book_html(book)
    >>> html.count('class="kalshi-book-bid"'), html.count('class="kalshi-book-ask"'), "47¢" in html
    (2, 1, True)
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .market import NO_MATH
from .timefmt import format_cents, format_count

ONE = Decimal(1)
_BID_COLOUR, _ASK_COLOUR = "#1f77b4", "#ff7f0e"  # the colours of plots.depth: YES bids blue, asks orange
_STALE_COLOUR = "#9e9e9e"  # every colour of a stale book: nothing in it may look current


def levels(raw: Any) -> dict[Decimal, Decimal]:
    """``[[price, count], ...]`` -> {price: count}, empty and unreadable levels dropped, duplicates summed."""
    out: dict[Decimal, Decimal] = {}
    for level in raw or []:
        try:
            price, count = Decimal(str(level[0])), Decimal(str(level[1]))
        except (InvalidOperation, IndexError, TypeError):
            continue
        if count > 0 and 0 < price < ONE:
            out[price] = out.get(price, Decimal(0)) + count
    return out


def book_sides(
    book: Mapping[str, Any],
) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
    """(bids, asks) in YES dollars, best first: bids from the YES list, asks as 1 - each NO bid."""
    inner = book.get("orderbook_fp", book)
    bids = sorted(levels(inner.get("yes_dollars")).items(), reverse=True)
    asks = sorted((ONE - p, c) for p, c in levels(inner.get("no_dollars")).items())
    return bids, asks


def _row(
    kind: str, price: Decimal, size: Decimal, total: Decimal, widest: Decimal, colour: str, mine: bool = False
) -> str:
    width = float(total / widest * 100) if widest else 0.0
    cell = "padding:1px 8px;text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap"
    bar = (
        f'<div style="background:{colour};opacity:.55;height:11px;width:{width:.1f}%;'
        f'{"margin-left:auto" if kind == "ask" else ""}"></div>'
    )
    return (
        f'<tr class="kalshi-book-{kind}"><td style="{cell};color:{colour};font-weight:600">'
        f"{html.escape(format_cents(price))}</td>"
        f'<td style="{cell};color:#777">{html.escape(format_cents(ONE - price))}</td>'
        f'<td style="{cell}">{html.escape(format_count(size))}</td>'
        f'<td style="{cell};color:#777">{html.escape(format_count(total))}</td>'
        f'<td style="width:260px;padding:1px 4px">{bar}</td>'
        f"{_MINE_CELL if mine else '<td></td>'}</tr>"
    )


_MINE_CELL = '<td class="kalshi-book-mine" style="padding:1px 4px;font-size:11px;color:#2e7d32">◀ yours</td>'


def book_html(
    book: Mapping[str, Any],
    *,
    ticker: str | None = None,
    depth: int = 10,
    stale: bool = False,
    stale_reason: str = "",
    mine: Collection[Decimal] = (),
) -> str:
    """The book as a ladder (root class ``kalshi-book``): ``depth`` levels a side, asks on top, the spread
    between, bars as long as the contracts available up to that level.

    ``stale``: the book may be out of date (a live feed's gap or disconnect): grey, with the class
    ``kalshi-book-stale`` and a "STALE" line saying why (``stale_reason``). ``mine``: YES prices of your
    resting orders, marked "yours" (a NO bid at q rests at the YES ask 1 - q).

    Example:
        >>> "no quotes" in book_html({"yes_dollars": [], "no_dollars": []})
        True
        >>> html = book_html({"yes_dollars": [["0.45", "3"]]}, stale=True, stale_reason="disconnected")
        >>> "kalshi-book-stale" in html, "STALE" in html, "#1f77b4" in html
        (True, True, False)
    """
    bids, asks = book_sides(book)
    bids, asks = bids[:depth], asks[:depth]
    cum_bids, cum_asks, total = [], [], Decimal(0)
    for _, size in bids:
        total += size
        cum_bids.append(total)
    total = Decimal(0)
    for _, size in asks:
        total += size
        cum_asks.append(total)
    widest = max([*cum_bids, *cum_asks, Decimal(0)])
    bid_colour, ask_colour = (_STALE_COLOUR, _STALE_COLOUR) if stale else (_BID_COLOUR, _ASK_COLOUR)
    marked = {Decimal(str(p)) for p in mine}
    head_cell = "padding:1px 8px;text-align:right;color:#777;font-weight:400"
    rows = [
        (
            f'<tr><th style="{head_cell}">YES</th><th style="{head_cell}">NO</th>'
            f'<th style="{head_cell}">contracts</th><th style="{head_cell}">total</th><th></th><th></th></tr>'
        )
    ]
    rows += [
        _row("ask", p, s, t, widest, ask_colour, p in marked)
        for (p, s), t in reversed(list(zip(asks, cum_asks, strict=True)))
    ]
    if bids and asks:
        spread = f"spread {format_cents(asks[0][0] - bids[0][0])}, mid {format_cents((asks[0][0] + bids[0][0]) / 2)}"
    elif bids or asks:
        spread = "one side empty"
    else:
        spread = "no quotes"
    rows.append(
        f'<tr class="kalshi-book-spread"><td colspan="6" style="padding:1px 8px;color:#555;font-size:11px;'
        f'border-top:1px solid #ddd;border-bottom:1px solid #ddd">{html.escape(spread)}</td></tr>'
    )
    rows += [
        _row("bid", p, s, t, widest, bid_colour, p in marked)
        for (p, s), t in zip(bids, cum_bids, strict=True)
    ]
    title = f"<b>{html.escape(ticker)}</b> · " if ticker else ""
    classes, look, warning = "kalshi-book", "", ""
    if stale:
        classes += " kalshi-book-stale"
        look = ";color:#757575;opacity:.75"
        why = f": {stale_reason}" if stale_reason else ""
        warning = (
            f'<div class="kalshi-book-stale-note" style="color:#616161;font-weight:700;margin-bottom:2px">'
            f"STALE{html.escape(why)}; not the current book</div>"
        )
    legend = (
        "order book (may be out of date)"
        if stale
        else "order book: YES asks (orange, from the NO bids) above, YES bids (blue) below"
    )
    return (
        f'<div class="{classes} {NO_MATH}" style="font-family:sans-serif;font-size:12px;max-width:640px{look}">'
        f'{warning}<div style="margin-bottom:2px">{title}{legend}</div>'
        f'<table style="border-collapse:collapse;font-size:12px">{"".join(rows)}</table></div>'
    )
