"""The market line: both sides' quotes in cents and dollars, volume, time to close, shard (display.market)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from kalshi_nb.display import timefmt
from kalshi_nb.display.market import market_line_html, quotes

YEAR = datetime.now(timezone.utc).year  # dates of another year would show it
NOW = datetime(YEAR, 12, 2, 15, 45, 6, tzinfo=timezone.utc)
MARKET = {
    "ticker": "KXBTC15M-26DEC021100-00",
    "title": "BTC price up in next 15 mins?",
    "yes_sub_title": "Target Price: $91,234.56",
    "status": "active",
    "yes_bid_dollars": "0.4500",
    "yes_ask_dollars": "0.4700",
    "last_price_dollars": "0.4600",
    "volume_fp": "12345.00",
    "open_interest_fp": "678.50",
    "close_time": f"{YEAR}-12-02T16:00:00Z",
    "exchange_index": 2,
    "price_level_structure": "linear_cent",
}


@pytest.fixture(autouse=True)
def _eastern(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(timefmt.ENV_TIMEZONE, raising=False)
    monkeypatch.setattr(timefmt, "_zone", None)


def figure(html: str, name: str) -> str:
    found = re.findall(rf'class="kalshi-q-{name}"[^>]*>([^<]*)<', html)
    assert len(found) == 1, (name, found)
    return found[0]


def test_every_figure_in_its_span() -> None:
    html = market_line_html(MARKET, now=NOW)
    assert html.startswith('<div class="kalshi-market-line mathjax_ignore tex2jax_ignore"')
    assert figure(html, "yes-bid") == "45¢ ($0.45)"
    assert figure(html, "yes-ask") == "47¢ ($0.47)"
    assert figure(html, "no-bid") == "53¢ ($0.53)"  # 1 - YES ask
    assert figure(html, "no-ask") == "55¢ ($0.55)"  # 1 - YES bid
    assert figure(html, "last") == "46¢ ($0.46)"
    assert figure(html, "volume") == "12,345"
    assert figure(html, "oi") == "678.5"
    assert figure(html, "closes-in") == "14m 54s"
    assert "(Dec 2 11:00 ET)" in html
    assert figure(html, "shard") == "shard 2"
    assert figure(html, "status") == "active"
    assert "linear_cent" in html
    assert "Target Price: $91,234.56" in html


def test_no_fields_from_the_market_win_and_empty_sides_show_a_dash() -> None:
    m = {**MARKET, "no_bid_dollars": "0.5000", "no_ask_dollars": "0.0000", "yes_bid_dollars": "0.0000"}
    html = market_line_html(m, now=NOW)
    assert figure(html, "no-bid") == "50¢ ($0.50)"
    assert figure(html, "no-ask") == "—"
    assert figure(html, "yes-bid") == "—"


def test_empty_ask_gives_no_no_bid() -> None:
    q = quotes({"yes_bid_dollars": "0.4000", "yes_ask_dollars": "1.0000"})
    assert q == {"yes_bid": q["yes_bid"], "yes_ask": None, "no_bid": None, "no_ask": q["no_ask"]}
    assert str(q["no_ask"]) == "0.6000"


def test_legacy_cents_and_sub_cent_prices() -> None:
    html = market_line_html({"ticker": "T", "yes_bid": 40, "yes_ask": 42}, now=NOW)
    assert figure(html, "yes-bid") == "40¢ ($0.40)"
    html = market_line_html(
        {"ticker": "T", "yes_bid_dollars": "0.0450", "yes_ask_dollars": "0.0470"}, now=NOW
    )
    assert figure(html, "yes-bid") == "4.5¢ ($0.0450)"
    assert figure(html, "no-bid") == "95.3¢ ($0.9530)"


def test_closed_market_and_missing_shard_and_grid() -> None:
    m = {k: v for k, v in MARKET.items() if k not in ("exchange_index", "price_level_structure")}
    m["status"] = "closed"
    html = market_line_html(m, now=datetime(YEAR, 12, 2, 16, 5, tzinfo=timezone.utc))
    assert figure(html, "closes-in") == "closed"
    assert "kalshi-q-shard" not in html
    assert "grid" not in html
    assert "#1b5e20" not in html  # closed is not shown in the open colour


def test_display_zone_is_used_and_text_escaped() -> None:
    timefmt.set_display_timezone("UTC")
    html = market_line_html({**MARKET, "title": "<script>x</script>"}, now=NOW)
    assert "(Dec 2 16:00 UTC)" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
