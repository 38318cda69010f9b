"""The Arrow path (kalshi_nb.frames.arrow) gives exactly the frames of the records path, or declines.

The records path (orjson-decoded dicts through the frames' shaping functions) is the reference. For saved
payloads, random records and a sandbox pull, the pages are read by pyarrow and shaped in Arrow; the frame must
equal the reference in columns, dtypes and values. Where Arrow cannot be exact (a ``null``, a repeated row,
text it would read as a time) it must return None, so that the engine takes the records path.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kalshi_nb import frames
from kalshi_nb.client import decode_json
from kalshi_nb.data import markets_df, paging, trades_df
from kalshi_nb.frames import arrow

PAYLOADS = Path(__file__).parent / "payloads"
NOW = pd.Timestamp("2026-09-07 02:30:00", tz="UTC")
KINDS = {
    "markets": (frames.markets_frame, "markets", "ticker"),
    "trades": (frames.trades_frame, "trades", "trade_id"),
    "fills": (frames.fills_frame, "fills", "fill_id"),
    "orders": (frames.orders_frame, "orders", "order_id"),
    "positions": (frames.positions_frame, "market_positions", "ticker"),
}


def saved_pages(kinds: dict) -> list[tuple[str, str]]:
    """Every saved list page of these kinds (``markets_page.json``, ``fills_legacy.json``, ...) with its kind."""
    return [(p.name, kind) for kind in kinds for p in sorted(PAYLOADS.glob(f"{kind}*.json"))]


def _page(key: str, records: list[dict], cursor: str = "") -> bytes:
    return json.dumps({key: records, "cursor": cursor}, separators=(",", ":")).encode()


def _without_nulls(value: Any) -> Any:
    """A payload with every null field left out (what Arrow can read exactly)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value if v is not None]
    return value


def _through_arrow(kind: str, pages: list[list[dict]]) -> pd.DataFrame | None:
    shape, key, unique = KINDS[kind]
    decode = arrow.page_decoder(shape)  # as the engine reads pages for this shape
    decoded = [decode(_page(key, records, cursor=f"c{i}"), key) for i, records in enumerate(pages)]
    if any(d is None for d in decoded):
        return None
    return arrow.shaped_frame([d[key] for d in decoded], shape, unique)  # type: ignore[index]


def _reference(kind: str, records: list[dict]) -> pd.DataFrame:
    shape, key, _ = KINDS[kind]
    # through bytes and the client's decoder, as the records path gets them
    rows = decode_json(_page(key, records))[key]
    return frames.markets_frame(rows, now=NOW) if kind == "markets" else shape(rows)


def _with_now(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """time_to_close is measured from the moment of shaping: recompute it from NOW for the comparison."""
    if kind == "markets":
        df = df.assign(time_to_close=(df["close_time"] - NOW).astype("timedelta64[ns]"))
    return df


@pytest.mark.parametrize(("name", "kind"), saved_pages(KINDS))
def test_saved_payloads_shape_the_same_through_arrow(name, kind) -> None:
    key = KINDS[kind][1]
    records = _without_nulls(json.loads((PAYLOADS / name).read_text())[key])
    assert records
    half = max(1, len(records) // 2)
    got = _through_arrow(kind, [records[:half], records[half:]] if len(records) > 1 else [records])
    if not all(KINDS[kind][2] in r for r in records):
        # legacy fills name a fill by trade_id and order_id: only the records path merges by that pair
        assert got is None
        return
    assert got is not None, "the Arrow path declined a clean saved page"
    pd.testing.assert_frame_equal(_with_now(got, kind), _with_now(_reference(kind, records), kind))


def test_a_page_with_a_null_a_repeat_or_time_like_text_is_left_to_the_records_path() -> None:
    clean = [{"ticker": "A", "title": "x"}, {"ticker": "B", "title": "y"}]
    assert _through_arrow("markets", [clean]) is not None
    assert arrow.decode_page(_page("markets", [{"ticker": "A", "title": None}]), "markets") is None
    assert _through_arrow("markets", [clean, clean[:1]]) is None  # a repeated ticker: which version stays?
    # an unknown field is left to Arrow's inference, which reads this text as a time: its text is gone
    assert _through_arrow("markets", [[{"ticker": "A", "brand_new": "2026-09-07T02:45:00Z"}]]) is None
    # a known text field is read as text
    timelike = [{"ticker": "A", "title": "2026-09-07T02:45:00Z"}]
    got = _through_arrow("markets", [timelike])
    assert got is not None
    pd.testing.assert_frame_equal(
        _with_now(got, "markets"), _with_now(_reference("markets", timelike), "markets")
    )
    assert arrow.decode_page(_page("markets", []), "markets") is None
    assert arrow.decode_page(b'{"markets": [{"ticker": "A"}], "cursor": 12}', "markets") is None
    assert arrow.decode_page(b'{"markets": [{"ticker": "A", "n": 99999999999999999999}]}', "markets") is None
    two = b'{"markets": [{"ticker": "A"}]}\n{"markets": [{"ticker": "B"}]}'  # not one JSON object
    assert arrow.decode_page(two, "markets") is None
    pretty = arrow.decode_page(b'{"markets":\n [{"ticker": "A"}]}', "markets")  # newlines are fine
    assert pretty is not None and pretty["markets"].table.column("ticker").to_pylist() == ["A"]


def test_a_new_category_value_is_appended_and_logged_on_both_paths(caplog) -> None:
    records = [{"ticker": "A", "status": "paused_forever"}, {"ticker": "B", "status": "active"}]
    with caplog.at_level(logging.WARNING, logger="kalshi_nb.frames"):
        got = _through_arrow("markets", [records])
    assert got is not None
    arrow_log = [r.getMessage() for r in caplog.records]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kalshi_nb.frames"):
        want = _reference("markets", records)
    assert arrow_log == [r.getMessage() for r in caplog.records] != []
    pd.testing.assert_frame_equal(_with_now(got, "markets"), _with_now(want, "markets"))


# Values of every kind, including the odd ones each converter has a fallback for.
number_text = st.sampled_from(
    ["0.4000", "12.50", "0", "-1.5", "1e3", "1E-2", ".5", "5.", "+2", "", " 1.5", "1_000", "nan", "inf",
     "Infinity", "-inf", "0x10", "abc", "1.2.3", "00.10", "1e400", "9007199254740993"]
)  # fmt: skip
time_text = st.sampled_from(
    ["2026-09-07T02:45:00Z", "2026-09-07T02:45:00.123456Z", "2026-09-07T02:45:00+05:30", "2026-09-07",
     "2026-09-07T02:45:00", "2026-09-07 02:45:00Z", "not a time", "2300-01-01T00:00:00Z", "1788748500", ""]
)  # fmt: skip
scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    number_text,
    time_text,
    st.sampled_from(["active", "yes", "no", "bid", "ask", "buy", "resting", "binary", "finalized"]),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=4,
)


def _fields(kind: str) -> list[str]:
    schema = frames._SCHEMAS[kind]
    legacy = [name for col in schema for name, _ in col.legacy]
    return [c.name for c in schema] + legacy + ["brand_new", "brand_new_dollars", "brand_new_time"]


@pytest.mark.parametrize("kind", list(KINDS))
@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_pages_shape_the_same_through_arrow_or_are_declined(kind, data) -> None:
    """For any records: the Arrow frame equals the records frame, or Arrow declines (never a third result)."""
    unique = KINDS[kind][2]
    fields = st.sampled_from(_fields(kind))
    # one kind of value per field, as in a real payload (a field mixing kinds makes Arrow decline the page)
    kinds_of = data.draw(
        st.dictionaries(fields, st.sampled_from(["scalar", "number", "time", "any"]), max_size=8)
    )
    value = {"scalar": scalars, "number": number_text, "time": time_text, "any": json_values}
    records = data.draw(
        st.lists(
            st.fixed_dictionaries(
                {unique: st.uuids().map(str)},
                optional={name: value[k] for name, k in kinds_of.items() if name != unique},
            ),
            max_size=12,
        )
    )
    cut = data.draw(st.integers(0, len(records)))
    pages = [p for p in (records[:cut], records[cut:]) if p]
    got = _through_arrow(kind, pages) if pages else None
    event("arrow" if got is not None else "declined")
    if got is not None:
        pd.testing.assert_frame_equal(_with_now(got, kind), _with_now(_reference(kind, records), kind))


def test_typical_pages_take_the_arrow_path() -> None:
    """The property above would pass if Arrow declined everything: clean pages must not be declined."""
    records = decode_json((PAYLOADS / "markets_page.json").read_bytes())["markets"]
    clean = _without_nulls(records)
    assert _through_arrow("markets", [clean]) is not None


def test_markets_df_is_the_same_with_and_without_arrow(sb, client, monkeypatch) -> None:
    used: list[bool] = []
    real = arrow.shaped_frame

    def spy(*args: Any, **kwargs: Any) -> Any:
        frame = real(*args, **kwargs)
        used.append(frame is not None)
        return frame

    monkeypatch.setattr(arrow, "shaped_frame", spy)
    with_arrow = markets_df("KXBTC15M", status=None, client=client, limit=9)
    trades = trades_df(client=client, limit=50)
    assert used == [True, True]  # both pulls were shaped in Arrow
    monkeypatch.setattr(paging, "_USE_ARROW", False)
    without = markets_df("KXBTC15M", status=None, client=client, limit=9)
    assert len(with_arrow) > 9  # several pages
    pd.testing.assert_frame_equal(
        with_arrow.drop(columns="time_to_close"), without.drop(columns="time_to_close")
    )
    pd.testing.assert_frame_equal(trades, trades_df(client=client, limit=50))
    assert used == [True, True]  # the last two pulls did not use it


def test_a_pull_arrow_declines_takes_the_records_path_from_the_same_pages(sb, client, monkeypatch) -> None:
    """Pages pyarrow has read are decoded again for the records path when the pull is declined as a whole."""
    declined: list[int] = []

    def decline(pages: list, *args: Any) -> None:
        declined.append(len(pages))
        assert all(isinstance(p, arrow.ArrowPage) for p in pages)

    monkeypatch.setattr(arrow, "shaped_frame", decline)
    again = markets_df("KXBTC15M", status=None, client=client, limit=9)
    assert declined and declined[0] > 1
    monkeypatch.setattr(paging, "_USE_ARROW", False)
    reference = markets_df("KXBTC15M", status=None, client=client, limit=9)
    pd.testing.assert_frame_equal(
        again.drop(columns="time_to_close"), reference.drop(columns="time_to_close")
    )


def _spy_arrow(monkeypatch) -> tuple[list[int], list[bool]]:
    """Count the bodies pyarrow reads and record whether each pull was shaped in Arrow."""
    reads: list[int] = []
    shaped: list[bool] = []
    real_read, real_shape = arrow.decode_page, arrow.shaped_frame

    def read(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return real_read(*args, **kwargs)

    def shape(*args: Any, **kwargs: Any) -> Any:
        frame = real_shape(*args, **kwargs)
        shaped.append(frame is not None)
        return frame

    monkeypatch.setattr(arrow, "decode_page", read)
    monkeypatch.setattr(arrow, "shaped_frame", shape)
    return reads, shaped


def _series_sizes(sb) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for m in sb.exchange.markets():
        series = m["event_ticker"].split("-")[0]
        sizes[series] = sizes.get(series, 0) + 1
    return sizes


def test_a_one_page_pull_is_read_as_records_only(sb, client, monkeypatch) -> None:
    """pyarrow costs more than orjson on a lone page: a pull whose calls have one page each never uses it."""
    series = "KXBTC15M"
    size = _series_sizes(sb)[series]
    reads, shaped = _spy_arrow(monkeypatch)
    one_page = markets_df(series, status=None, client=client, limit=size + 5)
    assert len(one_page) == size
    assert reads == [] and shaped == []
    several = markets_df(series, status=None, client=client, limit=max(1, size // 3))
    assert reads and shaped == [True]  # the same markets over several pages: Arrow
    pd.testing.assert_frame_equal(
        one_page.drop(columns="time_to_close"), several.drop(columns="time_to_close")
    )


def test_a_pull_mixing_one_page_and_several_page_calls_is_shaped_wholly_in_arrow(
    sb, client, monkeypatch
) -> None:
    """The lone page of one call (read as records) is read again by Arrow when the other calls used it."""
    sizes = _series_sizes(sb)
    small = min((s for s in sizes if sizes[s] >= 2), key=sizes.__getitem__)
    big = max(sizes, key=sizes.__getitem__)
    limit = sizes[small] + 1
    assert sizes[big] > 2 * limit  # one call of one page, one of several
    reads, shaped = _spy_arrow(monkeypatch)
    mixed = markets_df([small, big], status=None, mve_filter=None, client=client, limit=limit)
    assert shaped == [True]
    pages_of_big = -(-sizes[big] // limit)
    assert len(reads) >= pages_of_big + 1  # the big call's pages, and the small call's page read again
    assert set(mixed["ticker"].str.split("-").str[0]) == {small, big}
    monkeypatch.setattr(paging, "_USE_ARROW", False)
    reference = markets_df([small, big], status=None, mve_filter=None, client=client, limit=limit)
    assert shaped == [True]  # the reference did not use Arrow
    pd.testing.assert_frame_equal(
        mixed.drop(columns="time_to_close"), reference.drop(columns="time_to_close")
    )
