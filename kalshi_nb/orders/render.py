"""HTML for previews, receipts and the environment banner (what a notebook shows; nothing here reads or writes).

Example:
    >>> "PRODUCTION" in env_banner_html("prod", "https://api.elections.kalshi.com/trade-api/v2")
    True
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import config
from .amounts import _json, _num, _pct, _usd

if TYPE_CHECKING:
    from .place import PlacedOrder
    from .preview import OrderPreview

ENV_LABELS = config.ENV_LABELS

# Dollar signs would otherwise be typeset as LaTeX by JupyterLab's MathJax ("$0.68 / ask $0.69").
_NO_MATH = "mathjax_ignore tex2jax_ignore"

_ENV_STYLE = {
    "sandbox": ("#1b5e20", "#e8f5e9", "SANDBOX: local exchange, fake money"),
    "demo": ("#0d47a1", "#e3f2fd", "DEMO: Kalshi's demo exchange, fake money"),
    "prod": ("#ffffff", "#c62828", "PRODUCTION: real money"),
    "custom": ("#ffffff", "#c62828", "CUSTOM HOST: treated as production (real money)"),
}


def env_banner_html(env: str, api_base: str, extra: str = "") -> str:
    """A one-line banner naming the environment; production (and unknown hosts) in red."""
    fg, bg, text = _ENV_STYLE.get(env, _ENV_STYLE["custom"])
    more = f" &middot; {html.escape(extra)}" if extra else ""
    return (
        f'<div class="kalshi-env kalshi-env-{html.escape(env)} {_NO_MATH}" style="background:{bg};color:{fg};'
        f'padding:4px 10px;border-radius:4px;font-weight:600;font-family:sans-serif;font-size:13px">'
        f'{html.escape(text)} <span style="font-weight:400;opacity:.85">({html.escape(api_base)}){more}'
        f"</span></div>"
    )


def market_html(market: Mapping[str, Any]) -> str:
    """One line about a market: title, status, YES quote, close time, price grid, fractional or not."""
    esc = html.escape
    status = str(market.get("status"))
    color = "#1b5e20" if status in ("active", "open") else "#c62828"
    grid = market.get("price_level_structure", "linear_cent")
    frac = "fractional" if market.get("fractional_trading_enabled") else "whole contracts"
    title = market.get("title") or ""
    sub = market.get("yes_sub_title") or ""
    return (
        f'<span style="font-size:12px;font-family:sans-serif">{esc(title)}{" · " + esc(sub) if sub else ""}'
        f' · <b style="color:{color}">{esc(status)}</b> · YES {esc(str(market.get("yes_bid_dollars", "—")))}'
        f" / {esc(str(market.get('yes_ask_dollars', '—')))} · closes {esc(str(market.get('close_time', '—')))}"
        f" · {esc(grid)}, {frac}</span>"
    )


def dry_run_html(preview: OrderPreview) -> str:
    """What a dry run shows: the exact request that would be sent, and that nothing was."""
    esc = html.escape
    return (
        f'<div class="kalshi-dry-run" style="font-family:sans-serif;font-size:13px;background:#e3f2fd;'
        f'padding:4px 10px;border-left:4px solid #0d47a1"><b>DRY RUN: nothing was sent.</b> '
        f"This request would be sent:<br><code>{esc(preview.method)} {esc(preview.path)}</code><br>"
        f"<code>{esc(json.dumps(dict(preview.body)))}</code></div>"
    )


def _rows(rows: list[tuple[str, str]]) -> str:
    head = 'style="text-align:left;padding:2px 12px 2px 4px;vertical-align:top;white-space:nowrap"'
    cell = 'style="text-align:left;padding:2px 12px 2px 0;vertical-align:top"'
    return "".join(f"<tr><th {head}>{html.escape(k)}</th><td {cell}>{v}</td></tr>" for k, v in rows)


def render_preview_html(p: OrderPreview) -> str:
    """The preview as an HTML table (``OrderPreview._repr_html_``)."""
    req = p.request
    esc = html.escape
    bought = req.bought_outcome.upper()
    what = f"{esc(req.action)} {esc(_num(req.count))} {esc(req.outcome.upper())} at {esc(_usd(req.price))}"
    if req.action == "sell":
        what += f" (that is: buy {esc(_num(req.count))} {bought} at {esc(_usd(req.bought_price))})"
    book = "no quotes"
    if p.best_bid is not None or p.best_ask is not None:
        book = (
            f"YES bid {esc(_usd(p.best_bid)) if p.best_bid is not None else '—'} / "
            f"ask {esc(_usd(p.best_ask)) if p.best_ask is not None else '—'}"
        )
    if p.fill_count:
        fills = (
            f"{esc(_num(p.fill_count))} now at avg {esc(_usd(p.average_price))} ({bought}), "
            f"in {len(p.fills)} fill{'s' if len(p.fills) != 1 else ''}"
        )
    else:
        fills = "nothing fills now"
    if p.rest_count:
        fills += f"; {esc(_num(p.rest_count))} rest{'s' if p.rest_count == 1 else ''} at the limit"
    if p.unfilled_count:
        fills += f"; {esc(_num(p.unfilled_count))} canceled"
    maker = esc(_usd(p.maker_fee))
    if p.rest_count and p.maker_fee == 0:
        maker += " (no maker fees on this series)"
    rows = [
        ("environment", esc(p.env_label.upper())),
        (
            "market",
            esc(req.ticker)
            + (f" &middot; {esc(str(req.market.get('title')))}" if req.market.get("title") else ""),
        ),
        ("order", what + f" &middot; {esc(req.time_in_force)}"),
        ("V2 request", f"<code>{esc(p.method)} {esc(p.path)}</code><br><code>{esc(_json(p.body))}</code>"),
        ("book now", book),
        ("fills", fills),
        (
            "cost",
            esc(_usd(p.cost))
            + (
                f" (now {esc(_usd(p.cost_now))} + resting {esc(_usd(p.cost_rest))})"
                if p.cost_now and p.cost_rest
                else ""
            ),
        ),
        ("taker fee", esc(_usd(p.taker_fee))),
        ("maker fee", maker),
        ("fee schedule", f"{esc(p.fee_type)} &times; {esc(_num(p.fee_multiplier))}"),
        ("total", f"<b>{esc(_usd(p.total))}</b> (spend cap {esc(_usd(p.spend_cap))})"),
        (f"payout if {bought}", esc(_usd(p.payout))),
        ("P&L if YES / if NO", f"{_signed(p.pnl_if_yes)} / {_signed(p.pnl_if_no)}"),
        ("break-even", f"P({bought}) &ge; {esc(_pct(p.break_even))}" if p.break_even is not None else "—"),
        (
            "balance",
            "unknown"
            if p.balance is None
            else f"{esc(_usd(p.balance))} &rarr; {esc(_usd(p.balance_after))} after",
        ),
        ("client_order_id", f"<code>{esc(req.client_order_id)}</code>"),
    ]
    warn = ""
    if p.warnings:
        items = "".join(f'<li data-code="{esc(w.code)}">{esc(w.text)}</li>' for w in p.warnings)
        warn = (
            f'<div class="kalshi-warnings" style="background:#fff3e0;border-left:4px solid #e65100;'
            f'padding:4px 10px;margin-top:6px"><b>Warnings</b><ul style="margin:2px 0">{items}</ul></div>'
        )
    return (
        f'<div class="kalshi-preview {_NO_MATH}" style="font-family:sans-serif;font-size:13px;line-height:1.4">'
        f'{env_banner_html(p.env, p.api_base)}<table style="border-collapse:collapse;margin-top:4px">'
        f"{_rows(rows)}</table>{warn}</div>"
    )


def render_receipt_html(placed: PlacedOrder) -> str:
    """The receipt of a placed order as HTML (``PlacedOrder._repr_html_``)."""
    esc = html.escape
    color = {"resting": "#0d47a1", "executed": "#1b5e20", "canceled": "#6d4c41"}.get(placed.status, "#333")
    rows = [
        ("environment", esc(placed.preview.env_label.upper())),
        ("order", esc(placed.preview.request.describe()) + f" on {esc(placed.ticker)}"),
        (
            "status",
            f'<b style="color:{color}">{esc(placed.status.upper())}</b>'
            + (" (found by client_order_id)" if placed.reconciled else ""),
        ),
        ("filled / resting", f"{esc(_num(placed.fill_count))} / {esc(_num(placed.remaining_count))}"),
    ]
    if placed.average_fill_price is not None:
        rows.append(("avg fill (YES price)", esc(_usd(placed.average_fill_price))))
    if placed.average_fee_paid is not None:
        rows.append(("avg fee per contract", esc(_usd(placed.average_fee_paid))))
    rows += [
        ("order_id", f"<code>{esc(placed.order_id)}</code>"),
        ("client_order_id", f"<code>{esc(placed.client_order_id)}</code>"),
    ]
    return (
        f'<div class="kalshi-receipt {_NO_MATH}" style="font-family:sans-serif;font-size:13px;line-height:1.4">'
        f'<div style="font-weight:600">Order receipt</div>'
        f'<table style="border-collapse:collapse">{_rows(rows)}</table></div>'
    )


def _signed(value: Decimal) -> str:
    color = "#1b5e20" if value > 0 else "#c62828" if value < 0 else "#333"
    text = ("+" if value > 0 else "") + _usd(value)
    return f'<span style="color:{color}">{html.escape(text)}</span>'
