"""Market-data routes of issue 12 over HTTP: shards (``exchange_index``) on markets, events, series and
orders; ``GET /markets/candlesticks`` (batch), ``/events/multivariate``, ``/events/{ticker}/metadata``,
``/series/fee_changes``, ``/events/fee_changes``, ``/events/{ticker}?exclude_markets=true``, ``/markets?status=paused``; and the
price-grid control ``POST /_sandbox/price_grid``.
"""

from __future__ import annotations

import time

import pytest
import requests
from helpers import PREFIX, Signer, assert_kalshi_error, order_body

SANDBOX_SEED = 21


def get(sb, path: str, **params: object) -> requests.Response:
    """A public GET, unsigned (these routes need no key, as live)."""
    return requests.get(sb.root_url + PREFIX + path, params=params, timeout=10)


def ok(resp: requests.Response) -> dict:
    assert resp.status_code == 200, (resp.status_code, resp.text[:500])
    return resp.json()


def open_in(sb, series: str) -> dict:
    return next(m for m in sb.exchange.markets(series_ticker=series, status="open"))


# --- shards -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "shard"),
    [("KXBTC15M", 2), ("KXBTC", 2), ("KXNFLGAME", 3), ("KXMVESPORTSMULTIGAMEEXTENDED", 3),
     ("KXFEDDECISION", 0), ("KXINXY", 0), ("KXGREENLAND", 0)],
)  # fmt: skip
def test_markets_events_and_series_carry_their_shard(module_sb, series: str, shard: int) -> None:
    s = ok(get(module_sb, f"/series/{series}"))["series"]
    assert s["exchange_index"] == shard
    markets = ok(get(module_sb, "/markets", series_ticker=series, limit=1000))["markets"]
    assert markets and {m["exchange_index"] for m in markets} == {shard}
    body = ok(get(module_sb, f"/events/{markets[0]['event_ticker']}"))
    assert body["event"]["exchange_index"] == shard
    assert {m["exchange_index"] for m in body["markets"]} == {shard}


def test_every_record_has_an_integer_shard(module_sb) -> None:
    ex = module_sb.exchange
    records = (
        ex.markets() + ex.historical_markets() + ex.events() + ex.series_list() + ex.multivariate_events()
    )
    assert all(type(r["exchange_index"]) is int and 0 <= r["exchange_index"] <= 3 for r in records)


def test_an_order_carries_its_markets_shard(module_sb) -> None:
    signer = Signer(module_sb)
    btc = open_in(module_sb, "KXBTC15M")["ticker"]
    resp = signer.post("/portfolio/events/orders", json=order_body(btc))
    assert resp.status_code in (200, 201), resp.text
    oid = resp.json()["order_id"]
    assert ok(signer.get(f"/portfolio/orders/{oid}"))["order"]["exchange_index"] == 2
    # Naming the market's shard, or -1 (route by ticker), is accepted; another shard is a 400.
    for index in (2, -1):
        resp = signer.post("/portfolio/events/orders", json=order_body(btc, exchange_index=index))
        assert resp.status_code in (200, 201), resp.text
    assert_kalshi_error(
        signer.post("/portfolio/events/orders", json=order_body(btc, exchange_index=0)),
        400,
        mentions="exchange_index 2",
    )
    assert_kalshi_error(
        signer.post("/portfolio/events/orders", json=order_body(btc, exchange_index=7)),
        400,
        code="invalid_parameters",
    )
    signer.delete("/portfolio/events/orders")


# --- batch candlesticks -------------------------------------------------------------------------------


def _window(module_sb, hours: int = 3) -> tuple[int, int]:
    now = int(time.time())
    return now - hours * 3600, now


def test_batch_candlesticks_match_the_one_market_endpoint(module_sb) -> None:
    fed = [m["ticker"] for m in module_sb.exchange.markets(series_ticker="KXFEDDECISION", status="open")][:3]
    btc = open_in(module_sb, "KXBTC15M")["ticker"]
    start, end = _window(module_sb)
    tickers = [*fed, btc, fed[0]]  # a repeat is answered once
    body = ok(
        get(
            module_sb,
            "/markets/candlesticks",
            market_tickers=",".join(tickers),
            start_ts=start,
            end_ts=end,
            period_interval=60,
        )
    )
    assert set(body) == {"markets"}
    assert [m["market_ticker"] for m in body["markets"]] == [*fed, btc]
    for entry in body["markets"]:
        series = module_sb.exchange.market(entry["market_ticker"])["event_ticker"].split("-")[0]
        one = ok(
            get(
                module_sb,
                f"/series/{series}/markets/{entry['market_ticker']}/candlesticks",
                start_ts=start,
                end_ts=end,
                period_interval=60,
            )
        )
        assert entry["candlesticks"] == one["candlesticks"]
    assert any(entry["candlesticks"] for entry in body["markets"])
    first = next(c for entry in body["markets"] for c in entry["candlesticks"])
    assert {"end_period_ts", "yes_bid", "yes_ask", "price", "volume_fp", "open_interest_fp"} <= set(first)


def test_batch_candlesticks_limits(module_sb) -> None:
    t = open_in(module_sb, "KXFEDDECISION")["ticker"]
    start, end = _window(module_sb)
    base = {"market_tickers": t, "start_ts": start, "end_ts": end, "period_interval": 60}
    for missing in ("market_tickers", "start_ts", "end_ts", "period_interval"):
        params = {k: v for k, v in base.items() if k != missing}
        assert_kalshi_error(get(module_sb, "/markets/candlesticks", **params), 400, mentions=missing)
    assert_kalshi_error(get(module_sb, "/markets/candlesticks", **{**base, "period_interval": 5}), 400)
    assert_kalshi_error(get(module_sb, "/markets/candlesticks", **{**base, "end_ts": start - 1}), 400)
    many = ",".join(f"X{i}" for i in range(101))
    assert_kalshi_error(
        get(module_sb, "/markets/candlesticks", **{**base, "market_tickers": many}),
        400,
        mentions="at most 100",
    )
    # 10,000 candlesticks in total: 2 markets x 5,001 one-minute candles is too many.
    two = ",".join(m["ticker"] for m in module_sb.exchange.markets(series_ticker="KXFEDDECISION")[:2])
    assert_kalshi_error(
        get(module_sb, "/markets/candlesticks", market_tickers=two, start_ts=end - 5000 * 60, end_ts=end,
            period_interval=1),
        400,
        mentions="10000",
    )  # fmt: skip
    ok(get(module_sb, "/markets/candlesticks", market_tickers=two, start_ts=end - 4999 * 60, end_ts=end,
           period_interval=1))  # fmt: skip
    assert_kalshi_error(
        get(module_sb, "/markets/candlesticks", **{**base, "market_tickers": f"{t},NOPE-1"}),
        400,
        mentions="NOPE-1",
    )


# --- events ---------------------------------------------------------------------------------------------


def test_multivariate_events_list_only_combos_and_page(module_sb) -> None:
    ex = module_sb.exchange
    every = ok(get(module_sb, "/events/multivariate", limit=200))
    assert set(every) == {"events", "cursor"}
    names = [e["event_ticker"] for e in every["events"]]
    assert names and all(e["series_ticker"].startswith("KXMVE") for e in every["events"])
    assert not {e["event_ticker"] for e in ex.events()} & set(names)  # /events excludes them, this lists them
    assert all("markets" not in e for e in every["events"])
    # Pages of 5 give the same events once each.
    seen, cursor = [], None
    while True:
        page = ok(get(module_sb, "/events/multivariate", limit=5, **({"cursor": cursor} if cursor else {})))
        seen += [e["event_ticker"] for e in page["events"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert seen == names
    nested = ok(get(module_sb, "/events/multivariate", limit=3, with_nested_markets="true"))["events"]
    assert all(m["event_ticker"] == e["event_ticker"] for e in nested for m in e["markets"])
    series = every["events"][0]["series_ticker"]
    assert len(
        ok(get(module_sb, "/events/multivariate", limit=200, collection_ticker=series))["events"]
    ) == len(names)
    assert ok(get(module_sb, "/events/multivariate", collection_ticker="KXNONE"))["events"] == []
    two = ",".join(names[:2])
    assert [
        e["event_ticker"] for e in ok(get(module_sb, "/events/multivariate", tickers=two))["events"]
    ] == names[:2]
    assert_kalshi_error(
        get(module_sb, "/events/multivariate", series_ticker=series, collection_ticker=series),
        400,
        mentions="together",
    )
    assert_kalshi_error(get(module_sb, "/events/multivariate", limit=201), 400, mentions="limit")


def test_event_metadata(module_sb) -> None:
    m = open_in(module_sb, "KXNFLGAME")
    event = m["event_ticker"]
    body = ok(get(module_sb, f"/events/{event}/metadata"))
    assert {"image_url", "settlement_sources", "market_details"} <= set(body)
    assert isinstance(body["image_url"], str) and body["image_url"]
    details = body["market_details"]
    assert [d["market_ticker"] for d in details] == [
        x["ticker"] for x in ok(get(module_sb, f"/events/{event}"))["markets"]
    ]
    assert all(set(d) == {"market_ticker", "image_url", "color_code"} for d in details)
    assert all(d["color_code"].startswith("#") and len(d["color_code"]) == 7 for d in details)
    assert body["settlement_sources"] == [{"name": "NFL", "url": "https://www.nfl.com/"}]
    assert body["competition"] == "Pro Football"
    assert_kalshi_error(get(module_sb, "/events/NOPE-1/metadata"), 404, code="not_found")


def test_event_without_its_markets(module_sb) -> None:
    event = open_in(module_sb, "KXBTC")["event_ticker"]
    body = ok(get(module_sb, f"/events/{event}", exclude_markets="true"))
    assert body["markets"] == [] and "markets" not in body["event"]
    assert body["event"] == ok(get(module_sb, f"/events/{event}"))["event"]
    assert len(ok(get(module_sb, f"/events/{event}", exclude_markets="false"))["markets"]) == 12
    assert_kalshi_error(
        get(module_sb, f"/events/{event}", exclude_markets="true", with_nested_markets="true"),
        400,
        mentions="with_nested_markets",
    )
    assert_kalshi_error(
        get(module_sb, f"/events/{event}", exclude_markets="maybe"), 400, mentions="exclude_markets"
    )


def test_series_fee_changes(module_sb) -> None:
    assert ok(get(module_sb, "/series/fee_changes")) == {"series_fee_change_arr": []}  # nothing upcoming
    rows = ok(get(module_sb, "/series/fee_changes", show_historical="true"))["series_fee_change_arr"]
    assert {r["series_ticker"] for r in rows} == {"KXFEDDECISION", "KXMVESPORTSMULTIGAMEEXTENDED"}
    for r in rows:
        assert set(r) == {"id", "series_ticker", "fee_type", "fee_multiplier", "scheduled_ts"}
        series = ok(get(module_sb, f"/series/{r['series_ticker']}"))["series"]
        assert (r["fee_type"], r["fee_multiplier"]) == (series["fee_type"], series["fee_multiplier"])
        assert r["scheduled_ts"].endswith("Z")
    assert [r["scheduled_ts"] for r in rows] == sorted(r["scheduled_ts"] for r in rows)
    only = ok(get(module_sb, "/series/fee_changes", series_ticker="KXFEDDECISION", show_historical="true"))
    assert [r["series_ticker"] for r in only["series_fee_change_arr"]] == ["KXFEDDECISION"]
    assert_kalshi_error(get(module_sb, "/series/fee_changes", show_historical="yes please"), 400)


def test_event_fee_changes_are_empty(module_sb) -> None:
    """No event has a fee override in the sandbox: an empty page, in the spec's shape."""
    assert ok(get(module_sb, "/events/fee_changes")) == {"event_fee_changes": [], "cursor": ""}
    assert ok(get(module_sb, "/events/fee_changes", event_ticker="X", limit=1000))["event_fee_changes"] == []
    assert_kalshi_error(get(module_sb, "/events/fee_changes", limit=1001), 400, mentions="limit")


def test_paused_status_filter_is_accepted(module_sb) -> None:
    assert ok(get(module_sb, "/markets", status="paused")) == {"markets": [], "cursor": ""}


# --- the price-grid control --------------------------------------------------------------------------


def test_price_grid_control(module_sb) -> None:
    signer = Signer(module_sb)
    t = open_in(module_sb, "KXINXY")["ticker"]
    control = module_sb.root_url + "/_sandbox/price_grid"
    resp = requests.post(
        control, json={"ticker": t, "price_level_structure": "center_centi_edge_centi_cent"}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    market = ok(get(module_sb, f"/markets/{t}"))["market"]
    assert market["price_level_structure"] == "center_centi_edge_centi_cent"
    assert market["price_ranges"] == [{"start": "0.0000", "end": "1.0000", "step": "0.0001"}]
    assert resp.json()["market"]["price_ranges"] == market["price_ranges"]
    placed = signer.post("/portfolio/events/orders", json=order_body(t, price="0.0011"))
    assert placed.status_code in (200, 201), placed.text
    custom = [{"start": "0", "end": "0.5", "step": "0.01"}, {"start": "0.5", "end": "1", "step": "0.05"}]
    resp = requests.post(
        control, json={"ticker": t, "price_level_structure": "mine", "price_ranges": custom}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    assert ok(get(module_sb, f"/markets/{t}"))["market"]["price_ranges"][1] == {
        "start": "0.5000",
        "end": "1.0000",
        "step": "0.0500",
    }
    # The order at $0.0011 is still resting; a new one there is refused.
    oid = placed.json()["order_id"]
    assert ok(signer.get(f"/portfolio/orders/{oid}"))["order"]["status"] == "resting"
    assert_kalshi_error(
        signer.post("/portfolio/events/orders", json=order_body(t, price="0.0011")), 400, code="invalid_price"
    )
    for body, status in (
        ({"ticker": t}, 400),
        ({"ticker": t, "price_level_structure": "nope"}, 400),
        (
            {
                "ticker": t,
                "price_level_structure": "x",
                "price_ranges": [{"start": "0", "end": "0.5", "step": "0.01"}],
            },
            400,
        ),
        ({"ticker": t, "price_level_structure": "deci_cent", "extra": 1}, 400),
        ({"ticker": "NOPE-1", "price_level_structure": "deci_cent"}, 404),
        (["not", "an", "object"], 400),
    ):
        resp = requests.post(control, json=body, timeout=10)
        assert resp.status_code == status, (body, resp.text)
    requests.post(
        control, json={"ticker": t, "price_level_structure": "center_whole_edge_half_cent"}, timeout=10
    )
    signer.delete("/portfolio/events/orders")
