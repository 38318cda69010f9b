"""One compact block about a market: its title, status, both sides' quotes, volume and time to close.

Pure: a market record (the dict ``GET /markets/{ticker}`` returns under ``market``) in, HTML out.

Example:
    >>> from datetime import datetime, timezone
    >>> m = {"ticker": "T-1", "title": "Will it?", "status": "active", "yes_bid_dollars": "0.4500",
    ...      "yes_ask_dollars": "0.4700", "close_time": "2026-12-02T16:00:00Z", "exchange_index": 2}
    >>> html = market_line_html(m, now=datetime(2026, 12, 2, 15, 45, 6, tzinfo=timezone.utc))
    >>> 'kalshi-q-no-bid">53¢' in html, "14m 54s" in html, "shard 2" in html
    (True, True, True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime, timezone, tzinfo
from decimal import Decimal
from typing import Any

from .timefmt import (
    MISSING,
    format_cents,
    format_count,
    format_duration,
    format_time,
    format_usd,
    to_datetime,
    to_decimal,
)

# Dollar signs would otherwise be typeset as LaTeX by JupyterLab's MathJax ("$0.68 / ask $0.69").
NO_MATH = "mathjax_ignore tex2jax_ignore"

ONE = Decimal(1)

_STATUS_COLOURS = {
    "active": "#1b5e20",
    "open": "#1b5e20",
    "initialized": "#616161",
    "inactive": "#616161",
    "unopened": "#616161",
    "paused": "#e65100",
}
_CLOSED_COLOUR = "#6d4c41"  # closed, determined, settled, ...: over, not an error


def _price(market: Mapping[str, Any], name: str) -> Decimal | None:
    """A price in dollars from ``<name>_dollars``, else the legacy integer cents ``<name>``."""
    value = to_decimal(market.get(f"{name}_dollars"))
    if value is None:
        cents = to_decimal(market.get(name))
        value = cents / 100 if cents is not None else None
    return value


def _side(value: Decimal | None) -> Decimal | None:
    """An empty side (Kalshi reports it as 0, or an empty ask as 1) is no price at all."""
    return value if value is not None and 0 < value < ONE else None


def quotes(market: Mapping[str, Any]) -> dict[str, Decimal | None]:
    """The four best prices in dollars: ``yes_bid``, ``yes_ask``, ``no_bid``, ``no_ask`` (None = empty side).

    NO prices come from the market's NO fields, else from the YES ones (NO bid = 1 - YES ask).

    Example:
        >>> q = quotes({"yes_bid_dollars": "0.40", "yes_ask_dollars": "1.0000"})
        >>> q["yes_bid"], q["yes_ask"], q["no_bid"], q["no_ask"]
        (Decimal('0.40'), None, None, Decimal('0.60'))
    """
    yes_bid, yes_ask = _side(_price(market, "yes_bid")), _side(_price(market, "yes_ask"))
    no_bid, no_ask = _price(market, "no_bid"), _price(market, "no_ask")
    if no_bid is None and no_ask is None:  # the market gives no NO fields: derive them
        no_bid = ONE - yes_ask if yes_ask is not None else None
        no_ask = ONE - yes_bid if yes_bid is not None else None
    return {"yes_bid": yes_bid, "yes_ask": yes_ask, "no_bid": _side(no_bid), "no_ask": _side(no_ask)}


def price_html(dollars: Decimal | None, name: str) -> str:
    """One price in cents and dollars, in a ``kalshi-q-<name>`` span: ``45¢ ($0.45)``; empty side "—"."""
    text = MISSING if dollars is None else f"{format_cents(dollars)} ({format_usd(dollars)})"
    return f'<span class="kalshi-q-{name}">{html.escape(text)}</span>'


def _figure(name: str, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{html.escape(v)}"' for k, v in attrs.items())
    return f'<span class="kalshi-q-{name}"{extra}>{html.escape(text)}</span>'


def _closes(market: Mapping[str, Any], now: datetime | None, tz: str | tzinfo | None) -> str:
    close = to_datetime(market.get("close_time"))
    if close is None:
        return ""
    left = (close - (now or datetime.now(timezone.utc))).total_seconds()
    # data-close lets a ticker re-count the remaining time without another read
    attrs = {"data_close": close.astimezone(timezone.utc).isoformat()}
    when = html.escape(format_time(close, tz=tz))
    if left <= 0:
        return f"{_figure('closes-in', 'closed', **attrs)} {when}"
    return f"closes in {_figure('closes-in', format_duration(left), **attrs)} ({when})"


def market_line_html(
    market: Mapping[str, Any], *, now: datetime | None = None, tz: str | tzinfo | None = None
) -> str:
    """A compact HTML block about one market (root class ``kalshi-market-line``).

    Title and subtitle, status (coloured), YES and NO bid/ask in cents and dollars, last price, volume, open
    interest, time to close and close time in the display zone (or ``tz``), the shard and the price grid.
    ``now`` (aware) is what the time to close counts from (default: the system clock).

    Example:
        >>> "kalshi-q-yes-ask" in market_line_html({"ticker": "T", "yes_ask_dollars": "0.3"})
        True
    """
    esc = html.escape
    q = quotes(market)
    status = str(market.get("status") or "unknown")
    colour = _STATUS_COLOURS.get(status, _CLOSED_COLOUR)
    title = str(market.get("title") or market.get("ticker") or "")
    sub = str(market.get("yes_sub_title") or market.get("subtitle") or "")
    head = f"<b>{esc(title)}</b>" + (f" · {esc(sub)}" if sub and sub != title else "")
    ticker = market.get("ticker")
    if ticker and ticker != title:
        head += f' <code style="font-size:11px;opacity:.75">{esc(str(ticker))}</code>'
    head += f' <b class="kalshi-q-status" style="color:{colour}">{esc(status)}</b>'

    quotes_line = (
        f"<b>YES</b> bid {price_html(q['yes_bid'], 'yes-bid')} / ask {price_html(q['yes_ask'], 'yes-ask')}"
        f" &nbsp; <b>NO</b> bid {price_html(q['no_bid'], 'no-bid')} / ask {price_html(q['no_ask'], 'no-ask')}"
    )
    last = _side(_price(market, "last_price"))
    facts = [f"last {price_html(last, 'last')}"]
    volume = market.get("volume_fp", market.get("volume"))
    facts.append(f"volume {_figure('volume', format_count(volume))}")
    oi = market.get("open_interest_fp", market.get("open_interest"))
    facts.append(f"open interest {_figure('oi', format_count(oi))}")
    closes = _closes(market, now, tz)
    if closes:
        facts.append(closes)
    if market.get("exchange_index") is not None:
        facts.append(_figure("shard", f"shard {market['exchange_index']}"))
    grid = market.get("price_level_structure")
    if grid:
        facts.append(f'grid <span class="kalshi-q-grid">{esc(str(grid))}</span>')
    return (
        f'<div class="kalshi-market-line {NO_MATH}" style="font-family:sans-serif;font-size:12px;'
        f'line-height:1.5;max-width:1000px">'
        f"<div>{head}</div><div>{quotes_line}</div>"
        f'<div style="opacity:.85">{" · ".join(facts)}</div></div>'
    )
