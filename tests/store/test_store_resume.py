"""Interrupted syncs: an exception or a kill between any two steps, then a clean sync, gives every row once.

Failures are injected at ``Store._step`` (after a page batch is added, after a part is written, after the
state is committed), at several positions, with batches so small that a market's trades are cut across
commits. The expected rows come from ``trades_df`` over the same markets (the data layer, not the store).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kalshi_nb as kn
from kalshi_nb.store import open_store

SETS = ("markets", "trades")


class Boom(RuntimeError):
    pass


@pytest.fixture(scope="module")
def reference(sandbox):
    from kalshi_nb.client import KalshiClient

    sandbox.reset()
    with KalshiClient(
        key_id=sandbox.key_id,
        private_key_path=sandbox.private_key_path,
        api_base=sandbox.url,
        rate_limit=None,
    ) as client:
        markets = kn.markets_df("KXBTC15M", status=None, include_historical=True, client=client)
        trades = kn.trades_df(markets["ticker"].tolist(), client=client)
    return set(markets["ticker"]), trades.sort_values("trade_id").reset_index(drop=True)


def _fail_at(store, step: str, n: int) -> None:
    calls = {"n": 0}

    def hook(name: str) -> None:
        if name == step:
            calls["n"] += 1
            if calls["n"] == n:
                raise Boom(f"{step} #{n}")

    store._step = hook


def _check(path: Path, reference, client) -> None:
    tickers, trades = reference
    store = open_store(path)
    store.sync("KXBTC15M", datasets=SETS, client=client, progress=False, batch_rows=37)
    got = store.df("trades").sort_values("trade_id").reset_index(drop=True)
    assert got["trade_id"].is_unique
    assert got.equals(trades)
    assert set(store.df("markets")["ticker"]) == tickers
    assert store.sql("select count(*) n from trades")["n"][0] == len(trades)
    assert not store.files.orphans(store.state, ["markets", "trades"])
    marks = store.state.watermarks["trades"]
    assert not any(m.get("partial") for m in marks.values())


@pytest.mark.parametrize("step", ["fetched", "part_written", "committed"])
@pytest.mark.parametrize("n", [1, 11])
def test_exception_at_any_step_then_resume(tmp_path, client, reference, step, n) -> None:
    store = open_store(tmp_path)
    _fail_at(store, step, n)
    with pytest.raises(Boom):
        store.sync("KXBTC15M", datasets=SETS, client=client, progress=False, batch_rows=37)
    _check(tmp_path, reference, client)


def test_interrupted_twice_at_a_cut_ticker(tmp_path, client, reference) -> None:
    # 7-row batches: most markets are committed in pieces (partial), and the run dies twice.
    open_store(tmp_path).sync("KXBTC15M", datasets="markets", client=client, progress=False)
    partial = []
    for n in (9, 17):
        store = open_store(tmp_path)
        _fail_at(store, "committed", n)
        with pytest.raises(Boom):
            store.sync("KXBTC15M", datasets=SETS, client=client, progress=False, batch_rows=7)
        partial += [k for k, m in store.state.watermarks["trades"].items() if m.get("partial")]
    assert partial  # at least one market was cut by a kill
    _check(tmp_path, reference, client)


def test_interrupted_compaction_keeps_every_row(tmp_path, client, reference, monkeypatch) -> None:
    from kalshi_nb.store import compact

    monkeypatch.setattr(compact, "AUTO_PARTS", 10**6)
    store = open_store(tmp_path)
    store.sync("KXBTC15M", datasets=SETS, client=client, progress=False, batch_rows=37)
    for step in ("part_written", "committed"):
        _fail_at(store, step, 1)
        with pytest.raises(Boom):
            store.compact("trades")
        assert store.df("trades").sort_values("trade_id").reset_index(drop=True).equals(reference[1])
    _check(tmp_path, reference, client)


_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from kalshi_nb.client import KalshiClient
    from kalshi_nb.store import open_store

    path, url, key_id, key_path, step, n = sys.argv[1:]
    client = KalshiClient(key_id=key_id, private_key_path=key_path, api_base=url, rate_limit=None)
    store = open_store(path)
    calls = [0]

    def hook(name):
        if name == step:
            calls[0] += 1
            if calls[0] == int(n):
                os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: a real kill

    store._step = hook
    store.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False, batch_rows=37)
    """
)


@pytest.mark.parametrize(("step", "n"), [("part_written", 5), ("fetched", 8)])
def test_killed_subprocess_then_resume(tmp_path, sb, client, reference, step, n) -> None:
    args = [str(tmp_path), sb.url, sb.key_id, str(sb.private_key_path), step, str(n)]
    env = {**os.environ, "PYTHONPATH": str(Path(kn.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], env=env, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    killed = open_store(tmp_path)
    if step == "part_written":  # died between a part and its commit: an orphan the readers ignore
        assert killed.files.orphans(killed.state, ["trades", "markets"])
    assert killed.df("trades")["trade_id"].is_unique
    _check(tmp_path, reference, client)
