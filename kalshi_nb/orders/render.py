"""HTML for previews, receipts, dry runs and the environment banner (what a notebook shows; nothing here reads
or writes).

The preview leads with the decision (what you buy, the total with fees, what you win and lose, break-even,
warnings) and keeps the request JSON and ids in a collapsed ``<details class="kalshi-preview-details">``. A
receipt shows an order's *current* state when given the order as the exchange reports it now.

Example:
    >>> "PRODUCTION" in env_banner_html("prod", "https://api.elections.kalshi.com/trade-api/v2")
    True
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import config
from ..display.market import NO_MATH, market_line_html
from ..display.timefmt import format_cents, format_time, format_usd, to_decimal
from .amounts import _json, _num, _pct, _usd

if TYPE_CHECKING:
    from .place import PlacedOrder
    from .preview import OrderPreview

ENV_LABELS = config.ENV_LABELS

_NO_MATH = NO_MATH  # dollar signs would otherwise be typeset as LaTeX by JupyterLab's MathJax

_ENV_STYLE = {
    "sandbox": ("#1b5e20", "#e8f5e9", "SANDBOX: local exchange, fake money"),
    "demo": ("#0d47a1", "#e3f2fd", "DEMO: Kalshi's demo exchange, fake money"),
    "prod": ("#ffffff", "#c62828", "PRODUCTION: real money"),
    "custom": ("#ffffff", "#c62828", "CUSTOM HOST: treated as production (real money)"),
}
_GREEN, _RED, _GREY = "#1b5e20", "#c62828", "#555"
_BOX = "font-family:sans-serif;font-size:13px;line-height:1.45;max-width:1000px"
_TIF = {"good_till_canceled": "good till canceled", "immediate_or_cancel": "immediate or cancel"}


def env_banner_html(env: str, api_base: str, extra: str = "") -> str:
    """A one-line banner naming the environment; production (and unknown hosts) in red."""
    fg, bg, text = _ENV_STYLE.get(env, _ENV_STYLE["custom"])
    more = f" &middot; {html.escape(extra)}" if extra else ""
    return (
        f'<div class="kalshi-env kalshi-env-{html.escape(env)} {_NO_MATH}" style="background:{bg};color:{fg};'
        f'padding:3px 10px;border-radius:4px;font-weight:600;font-family:sans-serif;font-size:12px">'
        f'{html.escape(text)} <span style="font-weight:400;opacity:.85">({html.escape(api_base)}){more}'
        f"</span></div>"
    )


def market_html(market: Mapping[str, Any]) -> str:
    """One block about a market (``display.market.market_line_html``; kept under this name for callers)."""
    return market_line_html(market)


def _price(value: Decimal | None) -> str:
    """``45¢ ($0.45)``: a per-contract price in cents and dollars."""
    if value is None:
        return "—"
    return f"{format_cents(value)} ({format_usd(value)})"


def _signed(value: Decimal) -> str:
    color = _GREEN if value > 0 else _RED if value < 0 else "#333"
    text = ("+" if value > 0 else "") + format_usd(value)
    return f'<b style="color:{color}">{html.escape(text)}</b>'


def _line(*parts: str, style: str = "") -> str:
    return f'<div style="{style}">{" &middot; ".join(p for p in parts if p)}</div>'


def _decision(p: OrderPreview) -> str:
    """What the order is and what it does, in reading order: the trade, the money, the outcomes, the fills."""
    req = p.request
    esc = html.escape
    bought, other = req.bought_outcome.upper(), ("NO" if req.bought_outcome == "yes" else "YES")
    market = req.market
    name = str(market.get("title") or req.ticker)
    sub = str(market.get("yes_sub_title") or "")
    what = (
        f'<b style="font-size:15px">{esc(req.action.capitalize())} {esc(_num(req.count))} '
        f"{esc(req.outcome.upper())}</b> at <b>{esc(_price(req.price))}</b>"
    )
    if req.action == "sell":
        what += f" (that is: buy {esc(_num(req.count))} {bought} at {esc(_usd(req.bought_price))})"
    what += f' &nbsp;<span style="color:{_GREY}">{esc(name)}{" · " + esc(sub) if sub else ""}</span>'

    fees = p.taker_fee + p.maker_fee
    total = (
        f'<span class="kalshi-q-total">Total <b style="font-size:15px">{esc(format_usd(p.total))}</b></span>'
        f" = {esc(format_usd(p.cost))} for the contracts + {esc(format_usd(fees))} fees"
    )
    cap = f'<span style="color:{_GREY}">spend cap {esc(format_usd(p.spend_cap))}</span>'

    pnl_bought, pnl_other = (p.pnl_if_yes, p.pnl_if_no) if bought == "YES" else (p.pnl_if_no, p.pnl_if_yes)
    win = f'<span class="kalshi-q-win">if {bought} wins: {_signed(pnl_bought)}</span>'
    lose = f'<span class="kalshi-q-lose">if {other} wins: {_signed(pnl_other)}</span>'
    even = (
        f'<span class="kalshi-q-break-even">break-even: {bought} needs a chance of at least '
        f"<b>{esc(_pct(p.break_even))}</b></span>"
        if p.break_even is not None
        else ""
    )

    if p.fill_count:
        fills = f"{esc(_num(p.fill_count))} fill now at avg {esc(format_cents(p.average_price))}"
    else:
        fills = "nothing fills now"
    if p.rest_count:
        fills += f", {esc(_num(p.rest_count))} wait on the book at your limit"
    if p.unfilled_count:
        fills += f", {esc(_num(p.unfilled_count))} will be canceled"
    book = "book: no quotes"
    if p.best_bid is not None or p.best_ask is not None:
        book = (
            f"book: YES bid {esc(format_cents(p.best_bid)) if p.best_bid is not None else '—'}"
            f" / ask {esc(format_cents(p.best_ask)) if p.best_ask is not None else '—'}"
        )
    balance = (
        f"balance {esc(format_usd(p.balance))} &rarr; {esc(format_usd(p.balance_after))}"
        if p.balance is not None and p.balance_after is not None
        else "balance unknown"
    )
    return (
        '<div class="kalshi-decision" style="margin:4px 0 2px">'
        + _line(what)
        + _line(total, cap)
        + _line(win, lose, even)
        + _line(fills, book, balance, style=f"color:{_GREY};font-size:12px")
        + "</div>"
    )


def _warnings(p: OrderPreview) -> str:
    if not p.warnings:
        return ""
    esc = html.escape
    items = "".join(f'<li data-code="{esc(w.code)}">{esc(w.text)}</li>' for w in p.warnings)
    return (
        f'<div class="kalshi-warnings" style="background:#fff3e0;border-left:4px solid #e65100;'
        f'padding:2px 10px;margin:4px 0;font-size:12px"><ul style="margin:2px 0;padding-left:16px">{items}</ul></div>'
    )


def _rows(rows: list[tuple[str, str]]) -> str:
    head = (
        'style="text-align:left;padding:1px 12px 1px 0;vertical-align:top;white-space:nowrap;font-weight:600"'
    )
    cell = 'style="text-align:left;padding:1px 0;vertical-align:top;word-break:break-all"'
    return "".join(f"<tr><th {head}>{html.escape(k)}</th><td {cell}>{v}</td></tr>" for k, v in rows)


def _details(p: OrderPreview) -> str:
    req = p.request
    esc = html.escape
    maker = esc(format_usd(p.maker_fee))
    if p.rest_count and p.maker_fee == 0:
        maker += " (no maker fees on this series)"
    rows = [
        ("market", f"<code>{esc(req.ticker)}</code>"),
        ("order", esc(req.describe()) + f" ({esc(_TIF.get(req.time_in_force, req.time_in_force))})"),
        ("V2 request", f"<code>{esc(p.method)} {esc(p.path)}</code><br><code>{esc(_json(p.body))}</code>"),
        ("client_order_id", f"<code>{esc(req.client_order_id)}</code>"),
        ("taker fee", esc(format_usd(p.taker_fee))),
        ("maker fee", maker),
        ("fee schedule", f"{esc(p.fee_type)} &times; {esc(_num(p.fee_multiplier))}"),
        ("payout", f"{esc(format_usd(p.payout))} if {req.bought_outcome.upper()}"),
        ("cash needed", esc(format_usd(p.cash_needed))),
        ("worst case", f"{esc(format_usd(p.worst_case))} (what the spend cap checks)"),
        ("previewed", esc(format_time(p.created_at, seconds=True))),
    ]
    return (
        '<details class="kalshi-preview-details" style="margin-top:2px;font-size:12px">'
        '<summary style="cursor:pointer;color:#555">Request, ids and fee detail</summary>'
        f'<table style="border-collapse:collapse;margin-top:2px">{_rows(rows)}</table></details>'
    )


def render_preview_html(p: OrderPreview) -> str:
    """The preview (``OrderPreview._repr_html_``): the decision first, the request and ids collapsed."""
    return (
        f'<div class="kalshi-preview {_NO_MATH}" style="{_BOX}">'
        f"{env_banner_html(p.env, p.api_base)}{_decision(p)}{_warnings(p)}{_details(p)}</div>"
    )


def dry_run_html(preview: OrderPreview) -> str:
    """What a dry run shows: that nothing was sent, and the exact request Place would send with it off."""
    esc = html.escape
    host = esc(preview.api_base)
    return (
        f'<div class="kalshi-dry-run {_NO_MATH}" style="font-family:sans-serif;font-size:12px;background:#e3f2fd;'
        f'padding:3px 10px;border-left:4px solid #0d47a1;max-width:1000px"><b>DRY RUN: nothing was sent.</b> '
        f"With Dry run off, Place would send this request to {esc(preview.env_label)} ({host}):<br>"
        f"<code>{esc(preview.method)} {esc(preview.path)}</code> "
        f'<code style="word-break:break-all">{esc(_json(preview.body))}</code></div>'
    )


def _order_state(placed: PlacedOrder, order: Mapping[str, Any] | None) -> dict[str, Any]:
    """Status and counts, from ``order`` (the exchange's order now) when given, else from the placement."""
    if not order:
        initial = placed.fill_count + placed.remaining_count
        return {
            "status": placed.status,
            "filled": placed.fill_count,
            "remaining": placed.remaining_count,
            "initial": initial,
            "avg": placed.average_fill_price,
            "fees": None,
            "now": False,
        }
    filled = to_decimal(order.get("fill_count_fp")) or Decimal(0)
    remaining = to_decimal(order.get("remaining_count_fp")) or Decimal(0)
    ordered = to_decimal(order.get("initial_count_fp"))
    fees = [to_decimal(order.get(k)) for k in ("taker_fees_dollars", "maker_fees_dollars")]
    costs = [to_decimal(order.get(k)) for k in ("taker_fill_cost_dollars", "maker_fill_cost_dollars")]
    cost = sum((c for c in costs if c is not None), Decimal(0))
    return {
        "status": str(order.get("status") or placed.status),
        "filled": filled,
        "remaining": remaining,
        "initial": ordered if ordered is not None else filled + remaining,
        "avg_bought": cost / filled if filled and any(c is not None for c in costs) else None,
        "avg": None,
        "fees": sum((f for f in fees if f is not None), Decimal(0))
        if any(f is not None for f in fees)
        else None,
        "now": True,
    }


_STATUS_STYLE = {
    "resting": ("#0d47a1", "#e3f2fd", "on the book"),
    "executed": (_GREEN, "#e8f5e9", "filled"),
    "canceled": ("#6d4c41", "#efebe9", "canceled"),
}


def _described_now(req: Any, order: Mapping[str, Any] | None, state: Mapping[str, Any]) -> str:
    """``buy 3 YES @ $0.62 GTC``: the order as the exchange holds it now (an amend changes price and count),
    with what was first sent when they differ, so the receipt never shows a superseded price as current."""
    if not order:
        return str(req.describe())
    price = to_decimal(order.get(f"{req.outcome}_price_dollars"))
    total = state["filled"] + state["remaining"] if state["status"] == "resting" else state["initial"]
    price = req.price if price is None else price
    now = f"{req.action} {_num(total)} {req.outcome.upper()} @ {_usd(price)}"
    tif = req.describe().rsplit(" ", 1)[-1]
    if price == req.price and total == req.count:
        return f"{now} {tif}"
    return f"{now} {tif} (amended; sent as {_num(req.count)} @ {_usd(req.price)})"


def render_receipt_html(placed: PlacedOrder, order: Mapping[str, Any] | None = None) -> str:
    """The receipt of a placed order (``PlacedOrder._repr_html_``): its state now when ``order`` (the order as
    ``placed.refresh()`` reads it) is given, else its state when placed. Root classes ``kalshi-receipt`` and
    ``kalshi-receipt-<status>``."""
    esc = html.escape
    s = _order_state(placed, order)
    status = s["status"]
    fg, bg, _ = _STATUS_STYLE.get(status, ("#333", "#f5f5f5", status))
    req = placed.preview.request
    # Only the status names a state: "resting" elsewhere in a canceled receipt would contradict it.
    counts = f"filled {esc(_num(s['filled']))} of {esc(_num(s['initial']))}"
    if status == "resting" and s["remaining"]:
        counts += f", {esc(_num(s['remaining']))} on the book"
    elif status == "canceled":
        unfilled = s["initial"] - s["filled"]
        if unfilled > 0:
            counts += f", {esc(_num(unfilled))} canceled"
    facts = [counts]
    if s.get("avg_bought") is not None:
        facts.append(f"avg {esc(format_cents(s['avg_bought']))} per {req.bought_outcome.upper()}")
    elif s["avg"] is not None:
        facts.append(f"avg fill YES {esc(format_cents(s['avg']))}")
    if s["fees"] is not None:
        facts.append(f"fees {esc(format_usd(s['fees']))}")
    when = datetime.now(timezone.utc) if s["now"] else placed.placed_at
    facts.append(
        f'<span style="color:{_GREY}">{"as of" if s["now"] else "at placement,"} '
        f"{esc(format_time(when, seconds=True))}</span>"
    )
    found = " (found by client_order_id after an unclear answer)" if placed.reconciled else ""
    ids = (
        f"order_id <code>{esc(placed.order_id)}</code> &middot; client_order_id "
        f"<code>{esc(placed.client_order_id)}</code>{esc(found)}"
    )
    what = f"{esc(_described_now(req, order, s))} on <code>{esc(placed.ticker)}</code>"
    return (
        f'<div class="kalshi-receipt kalshi-receipt-{esc(status)} {_NO_MATH}" style="{_BOX};'
        f'border-left:4px solid {fg};background:{bg};padding:3px 10px">'
        f'<div><b style="color:{fg}">{esc(status.upper())}</b> &middot; {esc(placed.preview.env_label)} '
        f"&middot; {what}</div>"
        f"{_line(*facts, style='font-size:12px')}"
        f'<details class="kalshi-receipt-details" style="font-size:12px"><summary style="cursor:pointer;'
        f'color:#555">ids</summary>{ids}</details></div>'
    )
