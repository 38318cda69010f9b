"""The order journal: an intent written down before it is sent finds its order again, whoever asks.

Kalshi (and the sandbox) refuse a repeated client_order_id only while the first order rests, so after an
order executed only the journal (same machine) or a lookup (any machine) stops a second one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from client_helpers import orders_with, pick_market

from kalshi_nb import journal
from kalshi_nb.errors import DuplicateClientOrderIdError, OrderStateUnknownError


def marketable(sb) -> tuple[dict, int]:
    m = pick_market(sb)
    return m, round(float(m["yes_ask_dollars"]) * 100)


def posts(sb, coid: str) -> int:
    return len(
        [
            r
            for r in sb.requests
            if r.method == "POST" and isinstance(r.body, dict) and r.body.get("client_order_id") == coid
        ]
    )


def test_eight_threads_one_id_one_order(sb, client) -> None:
    m, ask = marketable(sb)
    coid = "threads-one-id"
    results: list[object] = []
    barrier = threading.Barrier(8)

    def run() -> None:
        barrier.wait()
        try:
            results.append(client.place_order(m["ticker"], "yes", 1, ask, client_order_id=coid, market=m))
        except Exception as exc:  # noqa: BLE001 (collected: the assertion below names it)
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = orders_with(sb, coid)
    assert len(stored) == 1
    assert posts(sb, coid) == 1
    assert all(isinstance(r, dict) for r in results), results
    assert {r["order"]["order_id"] for r in results} == {stored[0]["order_id"]}


def test_reusing_an_id_after_it_executed_returns_the_first_order(
    sb, make_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    m, ask = marketable(sb)
    coid = "reuse-after-executed"
    first = make_client().place_order(m["ticker"], "yes", 1, ask, client_order_id=coid)
    assert first["order"]["status"] == "executed"
    monkeypatch.setattr(journal, "_journals", {})  # a new kernel: only the file remains
    again = make_client().place_order(m["ticker"], "yes", 1, ask, client_order_id=coid)
    assert again["reconciled"] is True
    assert again["order"]["order_id"] == first["order"]["order_id"]
    assert len(orders_with(sb, coid)) == 1
    assert posts(sb, coid) == 1


def test_an_id_used_on_another_machine_is_found_on_the_exchange(
    sb, client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    m, ask = marketable(sb)
    coid = "used-elsewhere"
    client.place_order(m["ticker"], "yes", 1, ask, client_order_id=coid)
    assert client.env == "sandbox"  # proven once, before the data folder changes below
    # Another machine: an empty journal of its own (a new data folder; a journal file is never deleted
    # while open, which SQLite cannot survive).
    monkeypatch.setenv("KALSHI_NB_DATA_DIR", str(tmp_path / "other-machine"))
    monkeypatch.setattr(journal, "_journals", {})
    again = client.place_order(m["ticker"], "yes", 1, ask, client_order_id=coid)
    assert again["reconciled"] is True
    assert len(orders_with(sb, coid)) == 1
    assert posts(sb, coid) == 1
    assert journal.journal_path("sandbox").parent.parent == tmp_path / "other-machine"


def test_same_id_other_order_is_refused_before_sending(sb, client) -> None:
    m, _ask = marketable(sb)
    client.place_order(m["ticker"], "yes", 1, 1, client_order_id="same-id-other-order")
    before = len(sb.requests)
    with pytest.raises(DuplicateClientOrderIdError, match="different order"):
        client.place_order(m["ticker"], "yes", 2, 1, client_order_id="same-id-other-order", market=m)
    assert [r for r in sb.requests[before:] if r.method == "POST"] == []


def test_a_second_process_finds_the_first_order(sb, client, tmp_path: Path) -> None:
    m, ask = marketable(sb)
    coid = "second-process"
    first = client.place_order(m["ticker"], "yes", 1, ask, client_order_id=coid)
    script = tmp_path / "again.py"
    script.write_text(
        "import json, sys\n"
        "from kalshi_nb import KalshiClient\n"
        "c = KalshiClient(key_id=sys.argv[1], private_key_path=sys.argv[2], api_base=sys.argv[3], rate_limit=None)\n"
        f"r = c.place_order({m['ticker']!r}, 'yes', 1, {ask}, client_order_id={coid!r})\n"
        "print(json.dumps({'id': r['order']['order_id'], 'reconciled': r.get('reconciled', False)}))\n"
    )
    out = subprocess.run(
        [sys.executable, str(script), sb.key_id, sb.private_key_path, sb.url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer == {"id": first["order"]["order_id"], "reconciled": True}
    assert len(orders_with(sb, coid)) == 1
    assert posts(sb, coid) == 1


def test_unknown_state_survives_the_kernel_and_is_never_resent(sb, make_client) -> None:
    m, _ = marketable(sb)
    sb.faults.script(["500"], methods=["POST"], path=r"/portfolio/events/orders$")
    with pytest.raises(OrderStateUnknownError) as info:
        make_client().place_order(m["ticker"], "yes", 1, 1, client_order_id="unknown-then-rerun")
    sb.faults.clear()
    journal._journals.clear()
    with pytest.raises(OrderStateUnknownError):
        make_client().place_order(m["ticker"], "yes", 1, 1, client_order_id=info.value.client_order_id)
    assert posts(sb, info.value.client_order_id) == 1
    frame = journal.journal_df("sandbox")
    row = frame[frame.client_order_id == info.value.client_order_id].iloc[0]
    assert row.state == "unknown"


def test_the_journal_holds_no_key_material(
    sb, client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    m, _ = marketable(sb)
    assert client.env == "sandbox"  # proven once, before the data folder changes below
    # A journal of its own, closed before its bytes are read: opening and closing a database file outside
    # SQLite drops every POSIX lock this process holds on it, and the session's shared journal (also written
    # by the notebook kernels) would then be corrupted.
    monkeypatch.setenv("KALSHI_NB_DATA_DIR", str(tmp_path / "own"))
    monkeypatch.setattr(journal, "_journals", {})
    client.place_order(m["ticker"], "yes", 1, 1)
    for opened in journal._journals.values():
        opened.close()
    raw = b"".join(p.read_bytes() for p in journal.journal_path("sandbox").parent.glob("sandbox.sqlite3*"))
    assert sb.key_id.encode() not in raw
    assert b"PRIVATE KEY" not in raw
    assert journal.key_hash(sb.key_id).encode() in raw
