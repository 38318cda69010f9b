"""What the order journal adds to a create: the claim before the send and the record after it.

Issue 9's target: the journal must not slow a create by more than 2 ms. Prints, side by side in one run,
the journal's claim + record per order (median, p99) against a whole create-order round trip to the
sandbox on loopback (the reference), both measured here. Nothing is asserted.

Run: ``.venv/bin/python bench/journal_overhead.py``
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid

ORDERS = 300


def main() -> None:
    os.environ.setdefault("KALSHI_NB_DATA_DIR", tempfile.mkdtemp(prefix="kalshi_nb-bench-"))
    from kalshi_nb import KalshiClient
    from kalshi_nb.journal import OrderJournal, key_hash
    from kalshi_nb.sandbox import Sandbox

    path = os.path.join(os.environ["KALSHI_NB_DATA_DIR"], "bench-journal.sqlite3")
    journal = OrderJournal(path)  # type: ignore[arg-type]
    key = key_hash("bench-key")
    journal_ms = []
    for _ in range(ORDERS):
        body = {
            "ticker": "KXBENCH-1",
            "client_order_id": str(uuid.uuid4()),
            "side": "bid",
            "count": "1.00",
            "price": "0.0100",
            "time_in_force": "good_till_canceled",
        }
        t0 = time.perf_counter()
        journal.claim("http://127.0.0.1:1/trade-api/v2", key, body)
        journal.record(
            "http://127.0.0.1:1/trade-api/v2",
            key,
            body["client_order_id"],
            "placed",
            order_id=str(uuid.uuid4()),
            status="resting",
        )
        journal_ms.append((time.perf_counter() - t0) * 1000)

    create_ms = []
    with Sandbox(seed=1) as sb:
        client = KalshiClient(
            key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url, rate_limit=None
        )
        market = next(
            m
            for m in sb.exchange.markets(status="open")
            if m.get("price_level_structure") == "linear_cent" and not m["ticker"].startswith("KXMVE")
        )
        client.place_order(market["ticker"], "yes", 1, 1, market=market)  # warm: connection, fee cache
        for _ in range(100):
            t0 = time.perf_counter()
            client.place_order(market["ticker"], "yes", 1, 1, market=market)
            create_ms.append((time.perf_counter() - t0) * 1000)

    def row(name: str, samples: list[float]) -> str:
        samples = sorted(samples)
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        return (
            f"{name:<44} median {statistics.median(samples):7.3f} ms   p99 {p99:7.3f} ms   n={len(samples)}"
        )

    print(f"journal file: {path} (WAL, synchronous=NORMAL)")
    print(row("journal claim + record per order", journal_ms))
    print(row("whole create on the sandbox (reference)", create_ms))
    print(f"target: journal <= 2 ms per create; measured median {statistics.median(journal_ms):.3f} ms")


if __name__ == "__main__":
    main()
