"""The decoding and extraction paths of the frames give the same frames, dtypes included.

Responses are decoded by orjson (``client.decode_json``) and fields are extracted through pandas' public
constructor (``convert._dicts_to_array``, above ``convert._PLAIN_BLOCK_MAX_ROWS`` records); the references are the standard ``json`` module and a
plain-Python extraction, on saved payloads, odd records and a real sandbox pull.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_nb import frames
from kalshi_nb.client import KalshiClient, decode_json
from kalshi_nb.data import markets_df
from kalshi_nb.data.paging import _HISTORICAL_MARKETS, _MARKETS, _follow, _iterate_pages, _pages, _Query
from kalshi_nb.frames import convert
from kalshi_nb.frames.shaping import _until

PAYLOADS = Path(__file__).parent / "payloads"
NOW = pd.Timestamp("2026-09-07 02:30:00", tz="UTC")
SHAPERS = {
    "markets": frames.markets_frame,
    "trades": frames.trades_frame,
    "fills": frames.fills_frame,
    "orders": frames.orders_frame,
    "settlements": frames.settlements_frame,
    "events": frames.events_frame,
}


def saved_pages(kinds: dict) -> list[tuple[str, str]]:
    """Every saved list page of these kinds (``markets_page.json``, ``fills_legacy.json``, ...) with its kind."""
    return [(p.name, kind) for kind in kinds for p in sorted(PAYLOADS.glob(f"{kind}*.json"))]


def _raw(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def _both_extractions(
    monkeypatch: pytest.MonkeyPatch, shape: Any, records: list[dict]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    with monkeypatch.context() as patch:
        patch.setattr(frames.convert, "_PLAIN_BLOCK_MAX_ROWS", 0)  # pandas' extraction even for a few records
        fast = shape(copy.deepcopy(records))
    with monkeypatch.context() as patch:
        patch.setattr(frames.convert, "_dicts_to_array", None)  # the plain-Python extraction
        plain = shape(copy.deepcopy(records))
    return fast, plain


def _odd_markets() -> list[dict]:
    """Saved markets made odd: keys missing, nulls, extra keys, a field only some records carry."""
    records = (
        json.loads(_raw("markets_page.json"))["markets"]
        + json.loads(_raw("markets_legacy_2025.json"))["markets"]
    )
    odd = []
    for i, record in enumerate(records * 3):
        record = dict(record)
        if i % 3 == 0:
            record.pop("yes_bid_dollars", None)
            record.pop("close_time", None)
        if i % 4 == 1:
            record["last_price_dollars"] = None
            record["status"] = None
            record["open_time"] = None
        if i % 5 == 2:
            record["brand_new_field"] = i
            record["brand_new_price_dollars"] = "0.4200"
            record["nested_extra"] = {"a": [1, 2]}
        odd.append(record)
    odd.append({"ticker": "ONLY-A-TICKER"})
    return odd


@pytest.mark.parametrize(("name", "kind"), saved_pages(SHAPERS))
def test_saved_payloads_give_equal_frames_on_every_path(monkeypatch, name, kind) -> None:
    key = kind
    by_json = json.loads(_raw(name))[key]
    by_orjson = decode_json(_raw(name))[key]
    assert by_orjson == by_json
    shape = SHAPERS[kind]
    reference = shape(copy.deepcopy(by_json), **({"now": NOW} if kind == "markets" else {}))
    if kind == "markets":
        shape = lambda records: frames.markets_frame(records, now=NOW)
    fast, plain = _both_extractions(monkeypatch, shape, by_orjson)
    pd.testing.assert_frame_equal(fast, reference)
    pd.testing.assert_frame_equal(plain, reference)


def test_odd_records_give_equal_frames_on_both_extractions(monkeypatch) -> None:
    records = _odd_markets()
    fast, plain = _both_extractions(monkeypatch, lambda r: frames.markets_frame(r, now=NOW), records)
    pd.testing.assert_frame_equal(fast, plain)
    assert len(fast) == len(records)
    # the odd parts really are there: a gap, a null, an unknown field typed by its suffix
    assert fast["yes_bid_dollars"].isna().any()
    assert fast["open_time"].isna().any()
    assert fast.loc[2, "brand_new_field"] == 2
    assert fast["brand_new_price_dollars"].dtype == "float64"
    assert fast.iloc[-1]["ticker"] == "ONLY-A-TICKER"


def test_decode_agrees_with_json_where_orjson_refuses() -> None:
    body = b'{"a": NaN, "b": [Infinity, -Infinity], "c": 9223372036854775807}'
    assert json.dumps(decode_json(body)) == json.dumps(json.loads(body))
    page = _raw("markets_page.json")
    assert decode_json(page) == json.loads(page)
    with pytest.raises(ValueError, match="Expecting value"):  # what json says once orjson has refused it
        decode_json(b'{"markets": [')


def test_a_sandbox_pull_equals_the_frame_of_json_decoded_pages(sb, client) -> None:
    """markets_df (orjson, public extraction, pages in threads) against a bare requests + json walk."""
    records: list[dict] = []
    cursor = None
    with requests.Session() as session:
        while True:
            params = {"limit": 7, "series_ticker": "KXBTC15M", **({"cursor": cursor} if cursor else {})}
            body = json.loads(session.get(sb.url + "/markets", params=params, timeout=30).content)
            records += body["markets"]
            cursor = body.get("cursor")
            if not cursor:
                break
    assert len(records) > 7  # several pages
    pulled = markets_df("KXBTC15M", status=None, client=client, limit=7)
    reference = frames.markets_frame(records)
    assert pulled["ticker"].tolist() == reference["ticker"].tolist()
    # time_to_close is measured from the moment each frame was shaped
    pd.testing.assert_frame_equal(
        pulled.drop(columns="time_to_close"), reference.drop(columns="time_to_close")
    )
    assert pulled["time_to_close"].dtype == reference["time_to_close"].dtype


def test_pages_are_the_rows_of_follow_a_page_at_a_time(sb, client) -> None:
    query = _Query(_MARKETS, {"limit": 50})
    rows = list(_follow(client, query))
    pages = list(_pages(client, query))
    assert len(pages) > 1
    assert all(0 < len(page) <= 50 for page in pages)
    assert [row for page in pages for row in page] == rows

    capped = list(_pages(client, query, max_rows=70))
    assert [len(page) for page in capped] == [50, 20]
    assert [row for page in capped for row in page] == rows[:70]

    odd = _Query(_MARKETS, {"limit": 50}, keep=lambda row: row["ticker"][-1] in "02468")
    kept = list(_pages(client, odd))
    assert [row for page in kept for row in page] == [r for r in rows if r["ticker"][-1] in "02468"]
    assert all(page for page in kept)  # a page that the filter empties is not yielded


def test_iterate_pages_is_the_merged_pull_a_page_at_a_time(sb, client) -> None:
    queries = [_Query(_MARKETS, {"limit": 40}), _Query(_HISTORICAL_MARKETS, {"limit": 40})]
    rows = [row for page in _iterate_pages(client, queries, None) for row in page]
    live = [r["ticker"] for r in client.paginate("get_markets", limit=40)]
    old = [r["ticker"] for r in client.paginate("get_historical_markets", limit=40)]
    assert [r["ticker"] for r in rows] == list(dict.fromkeys(live + old))
    assert len({r["ticker"] for r in rows}) == len(rows)  # a market in both tiers once
    pages = list(_iterate_pages(client, queries, 45))
    assert [len(page) for page in pages] == [40, 5]
    with pytest.raises(ValueError, match="did you mean"):  # checked when called, before a request
        _iterate_pages(client, [_Query(_MARKETS, {"sattus": "open"})], None)


def test_the_garbage_collector_is_left_alone_during_a_pull(sb) -> None:
    seen: list[bool] = []

    class Spy(KalshiClient):
        def get_markets(self, *args: object, **kwargs: object) -> dict:
            seen.append(gc.isenabled())
            return super().get_markets(*args, **kwargs)

    spy = Spy(api_base=sb.url, read_only=True, rate_limit=None)
    assert gc.isenabled()
    markets_df("KXBTC15M", status=None, client=spy)
    assert seen and all(seen)
    assert gc.isenabled()


# Time text as Kalshi sends it (UTC, with or without fractions, or missing: the batched parse) and as it
# could go wrong: offsets, naive, empty, junk.
_UTC = st.datetimes(
    min_value=dt.datetime(1971, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
    max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(dt.timezone.utc),
).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S") + st_suffix(d))
_UTC_TEXT = st.one_of(_UTC, st.none(), st.just(math.nan))
_TIME_TEXT = st.one_of(
    _UTC,
    st.sampled_from(["2026-09-07T02:45:00Z", "2026-09-06T22:45:00-04:00", "2026-09-07T02:45:00", ""]),
    st.none(),
    st.just(math.nan),
)
_ODD_TIME = st.one_of(
    _TIME_TEXT, st.sampled_from(["not a time", "2026-13-40T99:00:00Z"]), st.integers(0, 2**31)
)


def st_suffix(d: dt.datetime) -> str:
    return f".{d.microsecond // 1000:03d}Z" if d.microsecond % 2 else "Z"


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(0, 30), width=st.integers(1, 6))
def test_time_columns_parsed_together_equal_each_parsed_alone(data, n, width) -> None:
    columns = []
    for j in range(width):
        kind = (_UTC_TEXT, _UTC_TEXT, _TIME_TEXT, _ODD_TIME)[data.draw(st.integers(0, 3))]
        values = data.draw(st.lists(kind, min_size=n, max_size=n))
        columns.append((f"t{j}", np.array(values, dtype=object).reshape(n)))
    together = convert._to_times(columns)
    alone = [convert._to_time(name, values) for name, values in columns]
    for a, b in zip(together, alone, strict=True):
        pd.testing.assert_extension_array_equal(a, b, check_exact=True)


def _pandas_until(close: Any, now: pd.Timestamp) -> Any:
    """The reference: time_to_close as pandas computes it through a DatetimeIndex."""
    try:
        return (pd.DatetimeIndex(close) - now).astype("timedelta64[ns]").to_numpy()
    except (OverflowError, ValueError) as exc:
        return type(exc)


_NS = st.integers(min_value=np.iinfo(np.int64).min + 1, max_value=np.iinfo(np.int64).max)
_WHOLE_SECONDS = st.integers(-9 * 10**9, 9 * 10**9).map(lambda s: s * 10**9)  # as Kalshi's times are


@settings(max_examples=300, deadline=None)
@given(
    stamps=st.lists(st.one_of(st.none(), _NS, _WHOLE_SECONDS), max_size=8),
    now=st.one_of(_NS, _WHOLE_SECONDS),
)
def test_time_to_close_by_numpy_is_pandas_subtraction(stamps: list[int | None], now: int) -> None:
    """Any close times (NaT, the ends of the range) and any reference time: the same durations, or the
    same error, as pandas' own subtraction."""
    close = pd.array(
        [pd.NaT if s is None else pd.Timestamp(s, unit="ns", tz="UTC") for s in stamps],
        dtype="datetime64[ns, UTC]",
    )
    reference = pd.Timestamp(now, unit="ns", tz="UTC")
    want = _pandas_until(close, reference)
    try:
        got = _until(close, reference)
    except (OverflowError, ValueError) as exc:
        got = type(exc)
    if isinstance(want, type):
        assert got is want
    else:
        assert got.dtype == want.dtype
        assert np.array_equal(got.view("i8"), want.view("i8"))
