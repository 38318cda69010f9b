"""Order book ladder with depth bars, the position block, the notice line (display.book/position/notice)."""

from __future__ import annotations

import re

from kalshi_nb.display.book import book_html, book_sides
from kalshi_nb.display.notice import notice_html
from kalshi_nb.display.position import position_html

BOOK = {
    "orderbook_fp": {
        "yes_dollars": [["0.4400", "5.00"], ["0.4500", "10.00"], ["0.4500", "2.00"], ["0.0000", "9.00"]],
        "no_dollars": [["0.5300", "7.00"], ["0.5000", "3.00"]],
    }
}


def test_sides_best_first_and_asks_from_no_bids() -> None:
    bids, asks = book_sides(BOOK)
    assert [(str(p), str(c)) for p, c in bids] == [("0.4500", "12.00"), ("0.4400", "5.00")]
    assert [(str(p), str(c)) for p, c in asks] == [("0.4700", "7.00"), ("0.5000", "3.00")]


def test_ladder_asks_above_bids_with_bars_by_running_total() -> None:
    html = book_html(BOOK, ticker="T-1")
    assert html.startswith('<div class="kalshi-book')
    rows = re.findall(r'<tr class="kalshi-book-(\w+)">(.*?)</tr>', html)
    assert [kind for kind, _ in rows] == ["ask", "ask", "spread", "bid", "bid"]
    prices = [re.search(r">([\d.]+¢)<", row).group(1) for kind, row in rows if kind != "spread"]
    assert prices == ["50¢", "47¢", "45¢", "44¢"]
    widths = [round(float(w), 1) for w in re.findall(r"width:([\d.]+)%", html)]
    assert widths == [58.8, 41.2, 70.6, 100.0]  # asks 10 (3+7), 7; bids 12, 17 of the widest 17
    assert "spread 2¢, mid 46¢" in html
    assert "T-1" in html


def test_empty_and_one_sided_books() -> None:
    assert "no quotes" in book_html({"yes_dollars": None, "no_dollars": []})
    assert "one side empty" in book_html({"yes_dollars": [["0.40", "1"]]})
    assert book_html(BOOK, depth=1).count('class="kalshi-book-bid"') == 1


def test_position_value_at_the_bid_of_the_side_held() -> None:
    market = {"ticker": "T", "title": "Will it?", "yes_bid_dollars": "0.4000", "yes_ask_dollars": "0.4200"}
    no = {
        "ticker": "T",
        "position_fp": "-5.00",
        "market_exposure_dollars": "3.0000",
        "realized_pnl_dollars": "0",
        "fees_paid_dollars": "0.0400",
    }
    html = position_html(no, market)
    assert "5 NO" in html
    assert 'worth <span class="kalshi-q-value">$2.90</span> at the NO bid 58¢' in html  # 1 - YES ask
    assert re.search(r'kalshi-q-unrealized" style="color:#c62828[^>]*>-\$0.10<', html)
    assert "avg 60¢" in html and "$0.04" in html


def test_position_flat_and_without_a_bid() -> None:
    assert "flat (no contracts)" in position_html({"ticker": "T"})
    html = position_html(
        {"ticker": "T", "position_fp": "3"}, {"yes_bid_dollars": "0", "yes_ask_dollars": "1"}
    )
    assert "no YES bid" in html and "kalshi-q-value" not in html


def test_notice_is_one_calm_line() -> None:
    html = notice_html("sandbox", "local sandbox at http://127.0.0.1:5/trade-api/v2", detail="Set <keys>")
    assert 'class="kalshi-notice kalshi-notice-sandbox' in html
    assert "&lt;keys&gt;" in html and "<br" not in html and "#c62828" not in html
    assert "#c62828" in notice_html("prod", "production")
