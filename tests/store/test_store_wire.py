"""The store's direct path for trades (store.wire): the same table as frames -> Arrow on every page it
takes, ``None`` (the general path) on every page it cannot take exactly, and taken by a real sync."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_store_schema import counts, prices, times

from kalshi_nb.frames import trades_frame
from kalshi_nb.store.schema import to_arrow
from kalshi_nb.store.wire import trades_table


def _plain(table: pa.Table) -> list[dict]:
    """Rows with dictionaries decoded (the two paths may order a dictionary's words differently)."""
    cols = {
        f.name: table.column(f.name).cast(pa.string())
        if pa.types.is_dictionary(f.type)
        else table.column(f.name)
        for f in table.schema
    }
    return pa.table(cols).to_pylist()


def _general(records: list[dict]) -> pa.Table:
    return to_arrow("trades", trades_frame(records))


text = st.sampled_from(["yes", "no", "bid", "ask", "", "YES", "other"])
wire_trade = st.fixed_dictionaries(
    {
        "trade_id": st.uuids().map(str),
        "ticker": st.sampled_from(["KXBTC15M-A", "KXBTC15M-B", "X"]),
        "count_fp": counts,
        "yes_price_dollars": prices,
        "no_price_dollars": prices,
        "taker_side": st.sampled_from(["yes", "no"]),
        "taker_outcome_side": st.sampled_from(["yes", "no"]),
        "taker_book_side": st.sampled_from(["bid", "ask"]),
        "created_time": times,
        "is_block_trade": st.booleans(),
    }
)
# Values the direct path must hand to the general one (or take with the same result).
odd_values = {
    "count_fp": st.sampled_from(["1.005", "", "NaN", "1e2", "12", None, 3, 2.5]),
    "yes_price_dollars": st.sampled_from(["0.56001", "0.5", "", None, 0.56, "abc"]),
    "created_time": st.sampled_from(
        ["2026-12-01T11:14:59.9999Z", "2026-12-01T11:14:59", "2026-12-01T11:14:59+01:00", "", None, 1788]
    ),
    "taker_side": text,
    "taker_outcome_side": st.one_of(text, st.none()),
    "is_block_trade": st.sampled_from([None, 0, 1, "false"]),
}


@settings(max_examples=60, deadline=None)
@given(st.lists(wire_trade, min_size=1, max_size=25))
def test_direct_path_equals_the_general_path(records: list[dict]) -> None:
    table = trades_table(records)
    assert table is not None, "today's wire form must take the direct path"
    assert table.schema == _general(records).schema
    assert _plain(table) == _plain(_general(records))


@settings(max_examples=120, deadline=None)
@given(
    st.lists(wire_trade, min_size=1, max_size=8),
    st.data(),
)
def test_odd_pages_are_refused_or_equal(records: list[dict], data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(sorted(odd_values)))
    at = data.draw(st.integers(0, len(records) - 1))
    value = data.draw(odd_values[field])
    records[at] = {**records[at], field: value}
    if data.draw(st.booleans()):
        records[at].pop(field)
    table = trades_table(records)
    if table is None:
        return  # the general path takes it (and raises or warns as it does for any caller)
    assert _plain(table) == _plain(_general(records))


def test_empty_and_non_mapping_pages_take_the_general_path() -> None:
    assert trades_table([]) is None
    assert trades_table([["not", "a", "record"]]) is None  # type: ignore[list-item]


def test_a_real_sync_takes_the_direct_path(store, sandbox, monkeypatch) -> None:
    """Every sandbox trade is in today's wire form, so the sync never falls back (the speed depends on it)."""
    from kalshi_nb.store import sync

    taken, general = [], []
    real_table, real_arrow = sync.trades_table, sync.to_arrow

    def counted_table(rows):
        out = real_table(rows)
        (taken if out is not None else general).append(len(rows))
        return out

    def counted_arrow(name, frame, **extra):
        if name == "trades":
            general.append(len(frame))
        return real_arrow(name, frame, **extra)

    monkeypatch.setattr(sync, "trades_table", counted_table)
    monkeypatch.setattr(sync, "to_arrow", counted_arrow)
    from kalshi_nb.client import KalshiClient

    client = KalshiClient(
        key_id=sandbox.key_id,
        private_key_path=sandbox.private_key_path,
        api_base=sandbox.url,
        rate_limit=None,
    )
    written = store.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False)
    client.close()
    assert written["trades"] > 0 and sum(taken) == written["trades"]
    assert general == []


ODD_CASES = (
    [("count_fp", v) for v in ("1.005", "", "NaN", "1e2", "12", None, 3, 2.5)]
    + [("yes_price_dollars", v) for v in ("0.56001", "0.5", "", None, 0.56, "abc")]
    + [
        ("created_time", v)
        for v in ("2026-12-01T11:14:59.9999Z", "2026-12-01T11:14:59", "2026-12-01T11:14:59+01:00", "", None)
    ]
    + [(f, v) for f in ("trade_id", "ticker", "taker_side", "taker_book_side") for v in ("", "YES", None)]
    + [("is_block_trade", v) for v in (None, 0, 1, "false")]
)


@pytest.mark.parametrize(("field", "value"), ODD_CASES)
def test_each_odd_value_is_refused_or_equal(field: str, value: object) -> None:
    plain = {
        "trade_id": "t1",
        "ticker": "KXBTC15M-A",
        "count_fp": "3.00",
        "yes_price_dollars": "0.5600",
        "no_price_dollars": "0.4400",
        "taker_side": "yes",
        "taker_outcome_side": "yes",
        "taker_book_side": "bid",
        "created_time": "2026-12-01T11:14:59.999Z",
        "is_block_trade": False,
    }
    records = [plain, {**plain, "trade_id": "t2", field: value}]
    table = trades_table(records)
    if table is not None:
        assert _plain(table) == _plain(_general(records))
