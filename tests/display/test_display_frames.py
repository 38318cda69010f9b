"""Compact frame views: the reader's columns, units in headers, readable times; untagged frames untouched."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pandas as pd
import pytest

from kalshi_nb import frames
from kalshi_nb.display import frames as dframes
from kalshi_nb.display import timefmt
from kalshi_nb.display.frames import READER_COLUMNS, compact, compact_html, frame_html, full
from kalshi_nb.display.notebook import set_display

YEAR = datetime.now(timezone.utc).year
NOW = pd.Timestamp(f"{YEAR}-12-02 15:45:05.305908", tz="UTC")
MARKETS = [
    {
        "ticker": f"KXBTC15M-{i}",
        "yes_sub_title": "Target Price: $91,234.56",
        "status": "active",
        "yes_bid_dollars": "0.4500",
        "yes_ask_dollars": "0.4700",
        "last_price_dollars": "0.0450",
        "volume_fp": "12345.00",
        "open_interest_fp": "10.50",
        "close_time": f"{YEAR}-12-02T16:00:00Z",
        "rules_primary": "If BTC ... " * 20,
    }
    for i in range(3)
]


@pytest.fixture(autouse=True)
def _defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(timefmt.ENV_TIMEZONE, raising=False)
    monkeypatch.setattr(timefmt, "_zone", None)
    monkeypatch.setattr(dframes.settings, "compact", True)


def headers(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", h).split()[0] for h in re.findall(r"<th title=[^>]*>(.*?)</th>", html)]


def test_every_kind_tagged_and_reader_columns_exist() -> None:
    assert set(READER_COLUMNS) == set(frames.KINDS)
    for kind, cols in READER_COLUMNS.items():
        names = {c.name for c in frames._SCHEMAS[kind]}
        assert set(cols) <= names, (kind, set(cols) - names)
    assert frames.markets_frame([]).attrs["kalshi_nb.kind"] == "markets"
    assert frames.event_markets_frame([]).attrs["kalshi_nb.kind"] == "event_markets"
    assert frames.orderbook_frame({"orderbook_fp": {}}).attrs["kalshi_nb.kind"] == "orderbook"
    assert frames.balance_frame({"balance": 1}).attrs["kalshi_nb.kind"] == "balance"
    assert frames.fills_frame([]).attrs["kalshi_nb.kind"] == "fills"


def test_untouched_markets_frame_shows_the_reader_columns_with_units() -> None:
    df = frames.markets_frame(MARKETS, now=NOW)
    html = compact_html(df)
    assert headers(html) == [
        "ticker",
        "yes_sub_title",
        "status",
        "yes_bid",
        "yes_ask",
        "last_price",
        "volume",
        "open_interest",
        "close_time",
        "time_to_close",
    ]
    assert "rules_primary" not in html and "If BTC" not in html
    assert "45¢" in html and "4.5¢" in html and "12,345" in html and "10.5" in html
    assert "14m 54s" in html and "0 days" not in html
    assert ">Dec 2 11:00<" in html  # the display zone, its name in the header
    assert re.search(r"close_time<br><span[^>]*>ET</span>", html)
    assert "showing 10: <code>kalshi_nb.full(df)</code> shows all" in html
    assert "times in ET (the data are UTC)" in html
    assert "mathjax_ignore" in html
    assert str(df["close_time"].dt.tz) == "UTC"  # the data stay UTC


def test_a_narrowed_frame_shows_the_users_columns() -> None:
    df = frames.markets_frame(MARKETS, now=NOW)
    sub = df[["ticker", "rules_primary", "mid_dollars", "time_to_close"]]
    assert sub.attrs["kalshi_nb.kind"] == "markets"  # pandas carries the tag
    html = compact_html(sub)
    assert headers(html) == ["ticker", "rules_primary", "mid", "time_to_close"]
    assert "46¢" in html  # the mid, in cents
    assert "…" in html  # long text cut short, whole in the tooltip
    assert "shows all" not in html


def test_money_and_pnl_columns_in_dollars_coloured_by_sign() -> None:
    df = frames.positions_frame(
        [
            {
                "ticker": "A",
                "position_fp": "10.00",
                "market_exposure_dollars": "4.5000",
                "realized_pnl_dollars": "-1.2500",
            },
            {
                "ticker": "B",
                "position_fp": "-5.00",
                "market_exposure_dollars": "0.0450",
                "realized_pnl_dollars": "2",
            },
        ]
    )
    html = compact_html(df)
    assert "$4.50" in html and "$0.0450" in html
    assert re.search(r"color:#c62828;\">-\$1.25<", html)
    assert re.search(r"color:#1b5e20;\">\$2.00<", html)
    assert "realized_pnl<br><span" in html and ">$</span>" in html


def test_closed_markets_and_trade_times_with_seconds() -> None:
    df = frames.markets_frame(MARKETS[:1], now=NOW + pd.Timedelta(hours=1))
    assert ">closed<" in compact_html(df)
    trades = frames.trades_frame(
        [{"trade_id": "t", "created_time": f"{YEAR}-07-01T15:45:09.5Z", "count_fp": "3"}]
    )
    assert ">Jul 1 11:45:09<" in compact_html(trades)


def test_long_frames_are_cut_like_pandas() -> None:
    df = frames.markets_frame(MARKETS * 40, now=NOW)
    html = compact_html(df, max_rows=20)
    assert html.count("<tr>") == 1 + pd.get_option("display.min_rows") + 1  # head, rows, the "…" row
    assert "120 rows \u00d7 " in html


def test_untagged_frames_render_exactly_as_pandas() -> None:
    df = pd.DataFrame({"a": [1, 2], "yes_bid_dollars": [0.45, 0.5]})
    assert frame_html(df) == df._repr_html_()
    tagged = frames.markets_frame(MARKETS, now=NOW)
    assert "kalshi-frame" in frame_html(tagged)
    set_display(compact=False)
    assert frame_html(tagged) == tagged._repr_html_()


def test_full_and_compact_show_one_frame_either_way() -> None:
    tagged = frames.markets_frame(MARKETS, now=NOW)
    set_display(compact=False)
    assert "kalshi-frame" in compact(tagged)._repr_html_()
    set_display(compact=True)
    shown = full(tagged)._repr_html_()
    assert "kalshi-frame" not in shown and "rules_primary" in shown and "yes_bid_dollars" in shown
    assert "..." not in re.sub(r"<td>.*?</td>", "", shown)  # every column, none elided
    plain = pd.DataFrame({"time_to_close": [pd.Timedelta(seconds=894.7)], "price_dollars": [0.07]})
    assert "14m 54s" in compact(plain)._repr_html_() and "7¢" in compact(plain)._repr_html_()


def test_set_display_timezone() -> None:
    set_display(timezone="UTC")
    html = compact_html(frames.markets_frame(MARKETS, now=NOW))
    assert ">Dec 2 16:00<" in html and "times in UTC" in html


def test_a_broken_frame_falls_back_to_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    tagged = frames.markets_frame(MARKETS, now=NOW)

    def boom(*_a: object, **_k: object) -> str:
        raise RuntimeError("odd data")

    monkeypatch.setattr(dframes, "compact_html", boom)
    assert frame_html(tagged) == tagged._repr_html_()
