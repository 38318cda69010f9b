"""Compact HTML for kalshi_nb's frames: the columns a reader needs, units in the headers, readable times.

A frame built by ``kalshi_nb.frames`` carries its kind in ``df.attrs["kalshi_nb.kind"]``. Shown in a notebook
(see ``display.notebook``), a tagged frame with all of its kind's columns shows only the reader's columns
(``READER_COLUMNS``); a frame the user has narrowed (``df[[...]]``) shows the user's columns. Either way:
prices in cents, money in dollars, counts with separators, times in the display zone (the data stay UTC),
``time_to_close`` as ``14m 54s``, long text cut short, and a table no wider than about 1000 px.

``full(df)`` and ``compact(df)`` show one frame either way; ``display.notebook.set_display(compact=False)``
turns the compact view off for every frame. Untagged frames always render exactly as pandas renders them.

Example:
    >>> import kalshi_nb.frames as f
    >>> df = f.markets_frame([{"ticker": "T-1", "yes_bid_dollars": "0.45", "yes_ask_dollars": "0.47"}])
    >>> html = compact_html(df)
    >>> "45¢" in html and "ask" in html and "rules_primary" not in html
    True
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from ..frames.columns import _SCHEMAS
from ..frames.kinds import _CENTS, _COUNT, _DOLLARS, _DURATION, _TIME, KIND_ATTR
from .market import NO_MATH
from .settings import settings
from .timefmt import (
    MISSING,
    display_timezone,
    format_cents,
    format_count,
    format_duration,
    format_time,
    format_usd,
    log,
    to_datetime,
    zone_label,
)

# What a reader needs of each kind, in reading order (every name is a column of that kind's table).
READER_COLUMNS: dict[str, tuple[str, ...]] = {
    "markets": (
        "ticker",
        "yes_sub_title",
        "status",
        "yes_bid_dollars",
        "yes_ask_dollars",
        "last_price_dollars",
        "volume_fp",
        "open_interest_fp",
        "close_time",
        "time_to_close",
    ),
    "event_markets": (
        "ticker",
        "yes_sub_title",
        "status",
        "yes_bid_dollars",
        "yes_ask_dollars",
        "last_price_dollars",
        "volume_fp",
        "close_time",
        "time_to_close",
    ),
    "events": ("event_ticker", "title", "sub_title", "strike_date", "mutually_exclusive", "exchange_index"),
    "series": ("ticker", "title", "category", "frequency", "fee_type", "fee_multiplier"),
    "trades": (
        "created_time",
        "ticker",
        "taker_outcome_side",
        "count_fp",
        "yes_price_dollars",
        "no_price_dollars",
    ),
    "orderbook": (
        "book_side",
        "level",
        "yes_price_dollars",
        "side",
        "price_dollars",
        "count_fp",
        "cum_count_fp",
    ),
    "candles": (
        "end_period_ts",
        "yes_bid_close_dollars",
        "yes_ask_close_dollars",
        "price_close_dollars",
        "volume_fp",
        "open_interest_fp",
    ),
    "positions": (
        "ticker",
        "position_fp",
        "market_exposure_dollars",
        "realized_pnl_dollars",
        "fees_paid_dollars",
        "total_traded_dollars",
        "last_updated_ts",
    ),
    "event_positions": (
        "event_ticker",
        "total_cost_shares_fp",
        "total_cost_dollars",
        "event_exposure_dollars",
        "realized_pnl_dollars",
        "fees_paid_dollars",
    ),
    "fills": (
        "created_time",
        "ticker",
        "outcome_side",
        "book_side",
        "count_fp",
        "yes_price_dollars",
        "is_taker",
        "fee_cost",
    ),
    "orders": (
        "created_time",
        "ticker",
        "status",
        "outcome_side",
        "book_side",
        "yes_price_dollars",
        "initial_count_fp",
        "fill_count_fp",
        "remaining_count_fp",
    ),
    "settlements": (
        "settled_time",
        "ticker",
        "market_result",
        "yes_count_fp",
        "no_count_fp",
        "yes_total_cost_dollars",
        "no_total_cost_dollars",
        "revenue_dollars",
        "fee_cost",
    ),
    "balance": ("balance_dollars", "portfolio_value_dollars", "updated_ts"),
    "ticker": (
        "ticker",
        "yes_bid_dollars",
        "yes_ask_dollars",
        "price_dollars",
        "volume_fp",
        "open_interest_fp",
        "time",
    ),
}

MAX_WIDTH_PX = 1000
TEXT_CHARS = 36  # longer text is cut, the whole of it in the cell's tooltip
_PRICE_WORDS = ("bid", "ask", "price", "mid", "spread")
_SUFFIXES = ("_dollars", "_fp")


def frame_kind(df: Any) -> str | None:
    """The kind a kalshi_nb frame is tagged with (``df.attrs["kalshi_nb.kind"]``), or None."""
    attrs = getattr(df, "attrs", None)
    kind = attrs.get(KIND_ATTR) if isinstance(attrs, dict) else None
    return kind if kind in _SCHEMAS else None


def shown_columns(df: pd.DataFrame, kind: str | None) -> list[str]:
    """The reader's columns when ``df`` has every column of its kind (untouched), else the user's own."""
    if kind is None:
        return list(df.columns)
    fixed = [c.name for c in _SCHEMAS[kind]]
    if set(fixed) <= set(df.columns):
        return [c for c in READER_COLUMNS.get(kind, tuple(fixed)) if c in df.columns]
    return list(df.columns)


@dataclass(frozen=True)
class _Format:
    label: str
    unit: str
    tip: str
    cell: Callable[[Any], str]
    numeric: bool
    signed: bool = False  # colour by sign (profit and loss)


def _schema_column(kind: str | None, name: str) -> Any:
    if kind is None:
        return None
    return next((c for c in _SCHEMAS[kind] if c.name == name), None)


def _label(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _is_price(name: str) -> bool:
    return any(word in name for word in _PRICE_WORDS)


def _text(value: Any) -> str:
    if isinstance(value, (list, dict, tuple)):
        return html.escape(_cut(str(value)))
    if _missing(value):
        return MISSING
    return html.escape(_cut(str(value)))


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1] + "…"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers: not missing
        return False


def _number(value: Any) -> str:
    if _missing(value):
        return MISSING
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return format(value, ",.10g")
    return html.escape(str(value))


def _time_cell(seconds: bool) -> Callable[[Any], str]:
    zone = display_timezone()

    def cell(value: Any) -> str:
        when = to_datetime(value)
        if when is None:
            return MISSING
        text = format_time(when, tz=zone, seconds=seconds)
        return html.escape(text.rsplit(" ", 1)[0])  # the zone is in the header, not on every row

    return cell


def _duration_cell(name: str) -> Callable[[Any], str]:
    def cell(value: Any) -> str:
        if _missing(value):
            return MISSING
        if not isinstance(value, timedelta):
            return html.escape(str(value))
        if value < timedelta(0):
            return "closed" if name == "time_to_close" else "\u2212" + format_duration(-value)  # a minus sign
        return format_duration(value)

    return cell


def _column_format(df: pd.DataFrame, name: str, kind: str | None, rows: pd.DataFrame) -> _Format:
    col = _schema_column(kind, name)
    tip = name + (f": {col.doc}" if col is not None else "")
    series = df[name]
    dtype = series.dtype
    ckind = getattr(col, "kind", None)
    label = _label(name)
    signed = "pnl" in name
    if ckind is _DOLLARS or (
        ckind is None and name.endswith("_dollars") and pd.api.types.is_numeric_dtype(dtype)
    ):
        if _is_price(name):
            return _Format(label, "¢", tip, _safe(format_cents), True)
        return _Format(label, "$", tip, _safe(format_usd), True, signed=signed)
    if ckind is _COUNT or (ckind is None and name.endswith("_fp") and pd.api.types.is_numeric_dtype(dtype)):
        return _Format(label, "contracts", tip, _safe(format_count), True)
    if ckind is _CENTS:
        return _Format(label, "¢", tip, _number, True)
    if ckind is _TIME or isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        shown = rows[name]
        seconds = bool(shown.notna().any()) and bool((shown.dropna().dt.second != 0).any())
        zone = display_timezone()
        return _Format(label, zone_label(zone, datetime.now(zone)), tip, _time_cell(seconds), False)
    if ckind is _DURATION or pd.api.types.is_timedelta64_dtype(dtype):
        return _Format(label, "", tip, _duration_cell(name), True)
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return _Format(label, "", tip, _text, False)
    if pd.api.types.is_numeric_dtype(dtype):
        return _Format(label, "", tip, _number, True, signed=signed)
    return _Format(label, "", tip, _text, False)


def _safe(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: MISSING if _missing(value) else html.escape(fmt(value))


def _sign_colour(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if number > 0:
        return "color:#1b5e20;"
    if number < 0:
        return "color:#c62828;"
    return ""


def _visible_rows(df: pd.DataFrame, max_rows: int | None) -> tuple[pd.DataFrame, int]:
    """The rows shown (head and tail past pandas' ``display.max_rows``) and where the "…" row goes (-1: none)."""
    limit = pd.get_option("display.max_rows") if max_rows is None else max_rows
    if limit is None or len(df) <= limit:
        return df, -1
    keep = max(2, min(pd.get_option("display.min_rows") or 10, limit))
    head = keep // 2
    return pd.concat([df.iloc[:head], df.iloc[len(df) - (keep - head) :]]), head


_CELL = "padding:2px 8px;border-bottom:1px solid #eee;white-space:nowrap;"


def compact_html(df: pd.DataFrame, *, kind: str | None = None, max_rows: int | None = None) -> str:
    """A frame as a compact HTML table (root class ``kalshi-frame``); ``kind`` defaults to the frame's tag.

    Example:
        >>> import pandas as pd
        >>> "14m 54s" in compact_html(pd.DataFrame({"time_to_close": [pd.Timedelta(seconds=894.7)]}))
        True
    """
    kind = kind if kind in _SCHEMAS else frame_kind(df)
    columns = shown_columns(df, kind)
    rows, gap = _visible_rows(df, max_rows)
    formats = [_column_format(df, name, kind, rows) for name in columns]
    esc = html.escape
    index_name = esc(str(df.index.name)) if df.index.name is not None else ""
    head = [f'<th style="{_CELL}text-align:left;color:#777">{index_name}</th>']
    for fmt in formats:
        unit = (
            f'<br><span style="font-weight:400;color:#777">{esc(fmt.unit)}</span>'
            if fmt.unit
            else "<br>&nbsp;"
        )
        align = "right" if fmt.numeric else "left"
        head.append(
            f'<th title="{esc(fmt.tip)}" style="{_CELL}text-align:{align}">{esc(fmt.label)}{unit}</th>'
        )
    body = []
    index_cell = _index_formatter(df, kind)
    for i, (label, row) in enumerate(zip(rows.index, rows.itertuples(index=False, name=None), strict=True)):
        if i == gap:
            body.append(f'<tr><td colspan="{len(columns) + 1}" style="{_CELL}color:#777">…</td></tr>')
        cells = [f'<th style="{_CELL}text-align:left;color:#777;font-weight:400">{index_cell(label)}</th>']
        values = dict(zip(df.columns, row, strict=True)) if len(set(df.columns)) == len(df.columns) else None
        for name, fmt in zip(columns, formats, strict=True):
            value = values[name] if values is not None else rows.loc[label, name]
            style = _CELL + ("text-align:right;font-variant-numeric:tabular-nums;" if fmt.numeric else "")
            if fmt.signed:
                style += _sign_colour(value)
            tip = ""
            if not fmt.numeric and isinstance(value, str) and len(value) > TEXT_CHARS:
                tip = f' title="{esc(value)}"'
            cells.append(f'<td style="{style}"{tip}>{fmt.cell(value)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="kalshi-frame {NO_MATH}" style="max-width:{MAX_WIDTH_PX}px;overflow-x:auto;'
        f'font-family:sans-serif;font-size:12px">'
        f'<table style="border-collapse:collapse;margin:0;font-size:12px"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f'<div class="kalshi-frame-footer" style="color:#777;margin-top:2px">{_footer(df, kind, columns)}</div></div>'
    )


def _index_formatter(df: pd.DataFrame, kind: str | None) -> Callable[[Any], str]:
    name = df.index.name
    if isinstance(name, str) and name in df.columns:
        return _text
    col = _schema_column(kind, name) if isinstance(name, str) else None
    if col is not None and col.kind is _TIME:
        return _time_cell(seconds=True)
    return _text


def _footer(df: pd.DataFrame, kind: str | None, columns: Sequence[str]) -> str:
    rows, cols = len(df), len(df.columns)
    times = "\u00d7"  # the multiplication sign, as pandas writes its row count
    parts = [f"{rows:,} row{'s' if rows != 1 else ''} {times} {cols} column{'s' if cols != 1 else ''}"]
    if len(columns) < cols:
        parts.append(f"showing {len(columns)}: <code>kalshi_nb.full(df)</code> shows all")
    if any(_is_time(df[c]) for c in columns):
        zone = display_timezone()
        parts.append(f"times in {html.escape(zone_label(zone, datetime.now(zone)))} (the data are UTC)")
    if kind is not None:
        parts.append(f'<code>kalshi_nb.frames.describe("{html.escape(kind)}")</code> explains every column')
    return " · ".join(parts)


def _is_time(series: Any) -> bool:
    dtype = getattr(series, "dtype", None)
    return isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype)


class FrameView:
    """One frame shown one way in a notebook: ``compact(df)`` or ``full(df)``; ``.frame`` is the frame."""

    def __init__(self, frame: pd.DataFrame, *, compact: bool) -> None:
        self.frame = frame
        self.compact = compact

    def _repr_html_(self) -> str | None:
        if self.compact:
            return compact_html(self.frame)
        with pd.option_context("display.max_columns", None, "display.width", None):
            return self.frame._repr_html_()

    def __repr__(self) -> str:
        return repr(self.frame)


def compact(df: pd.DataFrame) -> FrameView:
    """Show ``df`` compactly (units in headers, readable times) whatever ``set_display`` says.

    Example:
        >>> import pandas as pd
        >>> compact(pd.DataFrame({"yes_bid_dollars": [0.45]}))._repr_html_().count("45¢")
        1
    """
    return FrameView(df, compact=True)


def full(df: pd.DataFrame) -> FrameView:
    """Show ``df`` as pandas does, every column, whatever ``set_display`` says.

    Example:
        >>> import pandas as pd
        >>> "kalshi-frame" in full(pd.DataFrame({"a": [1]}))._repr_html_()
        False
    """
    return FrameView(df, compact=False)


def frame_html(df: pd.DataFrame) -> str | None:
    """What a notebook shows for ``df``: the compact view of a tagged frame (unless turned off), else
    exactly what pandas shows (``df._repr_html_()``)."""
    if settings.compact and frame_kind(df) is not None:
        try:
            return compact_html(df)
        except Exception:  # noqa: BLE001  (a display must never hide the data: show pandas' own table)
            log.exception("kalshi_nb: the compact view failed; showing pandas' table")
    return df._repr_html_()
