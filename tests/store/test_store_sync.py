"""Sync through the client, read back: the same frames as the data layer, every row once, only new rows."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

import kalshi_nb as kn
from kalshi_nb.store import open_store

ALL = ("markets", "events", "trades", "candles")


@pytest.fixture(scope="module")
def synced(sandbox, tmp_path_factory):
    """One store synced with every public dataset, and a client, shared by the read-only tests."""
    from kalshi_nb.client import KalshiClient

    sandbox.reset()
    client = KalshiClient(
        key_id=sandbox.key_id,
        private_key_path=sandbox.private_key_path,
        api_base=sandbox.url,
        rate_limit=None,
    )
    store = open_store(tmp_path_factory.mktemp("synced"))
    written = store.sync("KXBTC15M", datasets=ALL, client=client, progress=False)
    yield store, written, client
    client.close()


def _by(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    return frame.sort_values(list(keys)).reset_index(drop=True)


def test_frames_equal_the_data_layer(synced) -> None:
    store, written, client = synced
    markets = kn.markets_df("KXBTC15M", status=None, include_historical=True, client=client)
    tickers = markets["ticker"].tolist()
    trades = kn.trades_df(tickers, client=client)
    assert written["markets"] == len(markets) and written["trades"] == len(trades) > 0

    now = pd.Timestamp("2026-01-01", tz="UTC")
    stored = store.df("markets", series="KXBTC15M", now=now)
    ref = kn.frames.markets_frame([], now=now)  # dtypes of an empty pull, columns of every pull
    assert list(stored.columns) == list(ref.columns) == list(markets.columns)
    assert _by(stored.drop(columns="time_to_close"), "ticker").equals(
        _by(markets.drop(columns="time_to_close"), "ticker")
    )
    assert _by(store.df("trades", series="KXBTC15M"), "trade_id").equals(_by(trades, "trade_id"))

    events = kn.events_df("KXBTC15M", status=None, client=client).events
    assert _by(store.df("events", series="KXBTC15M"), "event_ticker").equals(_by(events, "event_ticker"))

    closed = markets[markets["status"].isin(["finalized", "settled", "closed", "determined"])]
    sample = closed.iloc[0]
    candles = kn.candles_df(sample["ticker"], sample["open_time"], sample["close_time"], 1, client=client)
    mine = store.df("candles", series="KXBTC15M")
    mine = mine[mine["ticker"] == sample["ticker"]].reset_index(drop=True)
    assert len(candles) > 0 and mine.equals(candles)


def test_second_sync_writes_nothing_and_windows_add_up(store, tmp_path, client) -> None:
    first = store.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False)
    again = store.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False)
    assert again == {"markets": 0, "trades": 0}

    # The same history in two windows: an early `until`, then the rest, each trade once.
    trades = store.df("trades")
    cut = trades["created_time"].quantile(0.5)
    split = open_store(tmp_path / "split")
    early = split.sync("KXBTC15M", datasets=("markets", "trades"), until=cut, client=client, progress=False)
    late = split.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False)
    assert 0 < early["trades"] < first["trades"]
    assert early["trades"] + late["trades"] == first["trades"]
    assert _by(split.df("trades"), "trade_id").equals(_by(trades, "trade_id"))


def test_types_on_disk_are_exact(synced) -> None:
    store = synced[0]
    part = next(iter(store.state.files["trades"]))
    assert "/date=" in part and "/series=KXBTC15M/" in part and part.rsplit("/", 1)[1].startswith("part-")
    schema = pq.read_schema(store.files.path(part))
    types = {f.name: str(f.type) for f in schema}
    assert types["yes_price_dollars"] == "decimal128(18, 4)"
    assert types["count_fp"] == "decimal128(18, 2)"
    assert types["created_time"] == "timestamp[ms, tz=UTC]"
    assert types["ticker"].startswith("dictionary<values=string")
    assert types["taker_outcome_side"].startswith("dictionary<values=string")
    market_part = next(iter(store.state.files["markets"]))
    assert str(pq.read_schema(store.files.path(market_part)).field("status").type).startswith("dictionary")
    # Every documented column is on disk, and nothing else.
    documented = store.schema("trades")
    assert [
        c for c in documented["column"] if documented.set_index("column").loc[c, "type"] != "partition"
    ] == [f.name for f in schema]


def test_sql_and_describe(synced) -> None:
    store = synced[0]
    trades = store.df("trades")
    got = store.sql(
        "select ticker, count(*) as n, sum(count_fp) as volume from trades where series = 'KXBTC15M' "
        "group by ticker order by ticker"
    )
    ref = trades.groupby("ticker").agg(n=("trade_id", "size"), volume=("count_fp", "sum")).reset_index()
    assert got["ticker"].tolist() == ref["ticker"].tolist()
    assert got["n"].tolist() == ref["n"].tolist()
    assert [float(v) for v in got["volume"]] == pytest.approx(ref["volume"].tolist())
    info = store.describe().set_index("dataset")
    assert info.loc["trades", "rows"] == len(trades)
    assert info.loc["trades", "first"] == trades["created_time"].min()
    assert info.loc["markets", "rows"] == store.sql("select count(distinct ticker) n from markets")["n"][0]


def test_compaction_keeps_every_row(store, client, monkeypatch) -> None:
    from kalshi_nb.store import compact

    monkeypatch.setattr(compact, "AUTO_PARTS", 10**6)  # no automatic compaction here
    store.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False, batch_rows=20)
    before = store.df("trades")
    parts = store.state.files["trades"]
    folders = {p.rsplit("/", 1)[0] for p in parts}
    assert len(parts) > len(folders)  # small batches: several parts per partition
    store.compact("trades")
    after = store.state.files["trades"]
    assert len(after) == len({p.rsplit("/", 1)[0] for p in after}) == len(folders)
    assert store.df("trades").equals(before)
    assert not store.files.orphans(store.state, ["trades"])


def test_sync_compacts_partitions_with_many_parts(store, client) -> None:
    from kalshi_nb.store.compact import AUTO_PARTS

    written = store.sync(
        "KXBTC15M", datasets=("markets", "trades"), client=client, progress=False, batch_rows=20
    )
    parts = store.state.files["trades"]
    per_folder = pd.Series([p.rsplit("/", 1)[0] for p in parts]).value_counts()
    assert written["trades"] / 20 > AUTO_PARTS * len(per_folder)  # far more batches than parts left
    assert per_folder.max() < AUTO_PARTS
    assert sum(parts.values()) == written["trades"] == store.df("trades")["trade_id"].nunique()


def test_bad_arguments_are_refused_before_any_request(store, client) -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        store.sync("KXBTC15M", datasets=("trade",), client=client)
    with pytest.raises(ValueError, match="unknown dataset"):
        store.df("trade")
    with pytest.raises(ValueError, match="after"):
        store.sync("KXBTC15M", since=20, until=10, client=client)


def test_new_trades_are_fetched_once_on_the_next_sync(store, sb, client) -> None:
    from kalshi_nb.sandbox.activity import Activity

    first = store.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False)
    sim = Activity(sb.exchange, rate=None, seed=3)
    before = len(kn.trades_df(client=client))
    for _ in range(400):  # makers quote, takers cross: new trades on the open markets
        sim.step()
    markets = kn.markets_df("KXBTC15M", status=None, include_historical=True, client=client)
    trades = kn.trades_df(markets["ticker"].tolist(), client=client)
    new = len(kn.trades_df(client=client)) - before
    assert new > 0 and len(trades) == first["trades"] + new
    again = store.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False)
    assert again["trades"] == new
    assert _by(store.df("trades"), "trade_id").equals(_by(trades, "trade_id"))
