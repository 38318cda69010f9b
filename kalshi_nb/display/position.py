"""A position as HTML: what is held, what it cost, what it would fetch now, and the P&L so far.

Pure: one ``market_positions`` record of ``GET /portfolio/positions`` (and the market, for its quotes) in,
HTML out.

Example:
    >>> pos = {"ticker": "T", "position_fp": "10.00", "market_exposure_dollars": "4.5000",
    ...        "realized_pnl_dollars": "0", "fees_paid_dollars": "0.0700"}
    >>> html = position_html(pos, {"yes_bid_dollars": "0.5000", "yes_ask_dollars": "0.5200"})
    >>> "10 YES" in html, "+$0.50" in html
    (True, True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .market import NO_MATH, quotes
from .timefmt import MISSING, format_cents, format_count, format_usd, to_decimal


def holding(position: Mapping[str, Any]) -> tuple[str, Decimal]:
    """("yes" | "no" | "flat", contracts held): Kalshi's net position, positive YES, negative NO."""
    net = to_decimal(position.get("position_fp", position.get("position"))) or Decimal(0)
    if net > 0:
        return "yes", net
    if net < 0:
        return "no", -net
    return "flat", Decimal(0)


def _signed(value: Decimal | None, name: str) -> str:
    if value is None:
        return f'<span class="kalshi-q-{name}">{MISSING}</span>'
    colour = "#1b5e20" if value > 0 else "#c62828" if value < 0 else "#333"
    text = ("+" if value > 0 else "") + format_usd(value)
    return f'<span class="kalshi-q-{name}" style="color:{colour};font-weight:600">{html.escape(text)}</span>'


def position_html(position: Mapping[str, Any], market: Mapping[str, Any] | None = None) -> str:
    """The position (root class ``kalshi-position``): contracts held, cost, value at the bid, P&L, fees.

    The value is what selling now would fetch at the best bid of the side held (None without a market or
    a bid); unrealised P&L is that value less the cost of the position (``market_exposure``).

    Example:
        >>> "flat" in position_html({"ticker": "T", "position_fp": "0"})
        True
    """
    esc = html.escape
    side, held = holding(position)
    exposure = to_decimal(position.get("market_exposure_dollars"))
    realized = to_decimal(position.get("realized_pnl_dollars"))
    fees = to_decimal(position.get("fees_paid_dollars"))
    ticker = str(position.get("ticker") or (market or {}).get("ticker") or "")
    what = "flat (no contracts)" if side == "flat" else f"{format_count(held)} {side.upper()}"
    facts = [f'holding <b class="kalshi-q-position">{esc(what)}</b>']
    value = unrealized = None
    if side != "flat":
        if exposure is not None:
            facts.append(
                f'cost <span class="kalshi-q-exposure">{esc(format_usd(exposure))}</span> '
                f"(avg {esc(format_cents(exposure / held))})"
            )
        bid = quotes(market)[f"{side}_bid"] if market else None
        if bid is not None:
            value = held * bid
            unrealized = value - exposure if exposure is not None else None
            facts.append(
                f'worth <span class="kalshi-q-value">{esc(format_usd(value))}</span> at the {side.upper()} bid '
                f"{esc(format_cents(bid))}"
            )
            facts.append(f"unrealised {_signed(unrealized, 'unrealized')}")
        elif market is not None:
            facts.append(f"no {side.upper()} bid: no price to sell at now")
    facts.append(f"realised {_signed(realized, 'realized')}")
    facts.append(
        f'fees <span class="kalshi-q-fees">{esc(format_usd(fees) if fees is not None else MISSING)}</span>'
    )
    head = f"<b>{esc(ticker)}</b>" if ticker else ""
    if market and market.get("title"):
        sub = market.get("yes_sub_title")
        head += f' <span style="color:#555">{esc(str(market["title"]))}{" · " + esc(str(sub)) if sub else ""}</span>'
    return (
        f'<div class="kalshi-position {NO_MATH}" style="font-family:sans-serif;font-size:12px;line-height:1.5;'
        f'max-width:1000px"><div>{head}</div><div>{" · ".join(facts)}</div></div>'
    )
