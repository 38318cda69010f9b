"""The sandbox speaks the official SDK's wire format: kalshi-python-sync 3.34.0 parses every response.

The SDK needs Python >= 3.13 while the project supports 3.10+, so the SDK runs in its own interpreter
(`bash scripts/setup-sdk-venv.sh` creates `.venv-sdk/`; override with env `KALSHI_NB_SDK_PYTHON`).
This test starts a sandbox, makes every endpoint return data (fills, resting and cancelled orders, a
settlement), then runs `sdk_probe.py` under that interpreter: the probe signs with the SDK's own auth, calls
every endpoint and reports each call that the SDK's models could not parse or whose raw JSON lacks a field
the model requires. Finally a few SDK-parsed values are compared with the raw JSON this test fetched itself
and with values worked out by hand from the orders placed here. The routes of Kalshi as of December 2026
(shards, subaccounts, transfers between shards, the user's historical tiers, account limits, queue
positions, batch candlesticks, multivariate events, event metadata, series fee changes) are called by
``sdk_probe_accounts.py``; ``--history`` re-reads the historical tiers after the test moves the cutoff.

Run: KALSHI_NB_SDK_PYTHON=/path/to/python3.13 pytest tests/sdk -q
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import os
import subprocess
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding

from kalshi_nb.sandbox import Sandbox

pytestmark = pytest.mark.sdk

REPO = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("sdk_probe.py")
PROBE_TIMEOUT_S = 300
# A market the setup trades on must stay open while the probe runs.
MIN_TIME_TO_CLOSE = dt.timedelta(minutes=30)
MIN_HISTORY = dt.timedelta(hours=3)


@functools.cache
def sdk_python() -> Path:
    """The Python 3.13 interpreter that has kalshi-python-sync; fail (never skip) if it is missing."""
    path = Path(os.environ.get("KALSHI_NB_SDK_PYTHON") or REPO / ".venv-sdk" / "bin" / "python")
    if not path.exists():
        pytest.fail(
            f"the SDK interpreter {path} does not exist. Create it with `bash scripts/setup-sdk-venv.sh` "
            "(needs Python 3.13, e.g. from pyenv) or point KALSHI_NB_SDK_PYTHON at a Python 3.13 "
            "that has kalshi-python-sync==3.34.0.",
            pytrace=False,
        )
    check = subprocess.run(
        [str(path), "-c", "import kalshi_python_sync"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check.returncode != 0:
        pytest.fail(
            f"{path} cannot import kalshi_python_sync ({check.stderr.strip()[-300:]}). "
            "Run `bash scripts/setup-sdk-venv.sh`.",
            pytrace=False,
        )
    return path


class Http:
    """Plain signed HTTP against the sandbox: the test's own view of the raw JSON, independent of the SDK."""

    def __init__(self, base_url: str, key_id: str, private_key_path: str) -> None:
        self.base = base_url.rstrip("/")
        self.prefix = urlsplit(self.base).path  # "/trade-api/v2"
        self.key_id = key_id
        self.key = serialization.load_pem_private_key(Path(private_key_path).read_bytes(), password=None)
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def _headers(self, method: str, path: str) -> dict[str, str]:
        timestamp = str(int(time.time() * 1000))
        message = (timestamp + method + self.prefix + path).encode()
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            signature = self.key.sign(message)
        else:
            signature = self.key.sign(
                message,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
                hashes.SHA256(),
            )
        return {
            "KALSHI-ACCESS-KEY": self.key_id,
            "KALSHI-ACCESS-TIMESTAMP": timestamp,
            "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode(),
        }

    def request(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
        response = self.session.request(
            method, self.base + path, headers=self._headers(method, path), timeout=30, **kwargs
        )
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code} {response.text[:500]}"
        )
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def order(self, ticker: str, price: str, count: str, tif: str) -> dict[str, Any]:
        body = {
            "ticker": ticker,
            "side": "bid",
            "price": price,
            "count": count,
            "time_in_force": tif,
            "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": f"sdk-test-{uuid.uuid4()}",
        }
        return self.request("POST", "/portfolio/events/orders", json=body, expect=201)


def lowest_bid_price(market: dict[str, Any]) -> str:
    """The lowest valid price on the market's grid: far below any ask, so a bid there rests."""
    first = market["price_ranges"][0]
    start, step = Decimal(first["start"]), Decimal(first["step"])
    return str(start if start > 0 else start + step)


def pick_markets(http: Http) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two open, non-multivariate markets with a two-sided book that stay open while the test runs.

    The first one is traded on and read by the probe, so it must also have hours of history (else its
    1-minute and hourly candlesticks are legitimately empty, as for a market that opened a minute ago).
    """
    now = dt.datetime.now(dt.timezone.utc)
    tradable: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(20):
        page = http.get("/markets", status="open", mve_filter="exclude", limit=1000, cursor=cursor)
        tradable += [
            m
            for m in page["markets"]
            if Decimal(m["yes_ask_size_fp"]) >= 3
            and Decimal(m["yes_bid_dollars"]) > 0
            and Decimal(m["yes_ask_dollars"]) > Decimal(lowest_bid_price(m)) + Decimal("0.05")
            and dt.datetime.fromisoformat(m["close_time"]) > now + MIN_TIME_TO_CLOSE
        ]
        cursor = page["cursor"]
        if not cursor:
            break
    seasoned = [m for m in tradable if dt.datetime.fromisoformat(m["open_time"]) < now - MIN_HISTORY]
    assert seasoned, "the sandbox has no open market with a two-sided book and hours of history"
    others = [m for m in tradable if m["ticker"] != seasoned[0]["ticker"]]
    assert others, "the sandbox has fewer than two open markets with a two-sided book"
    return seasoned[0], others[0]


def probe_records(
    python: Path, url: str, key_id: str, key_path: str, ticker: str, *extra: str
) -> tuple[int, list[dict[str, Any]]]:
    """Run sdk_probe.py under the SDK interpreter; return its exit status and its JSON lines."""
    result = subprocess.run(
        [str(python), str(PROBE), url, key_id, key_path, "--ticker", ticker, *extra],
        check=False,
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT_S,
        cwd=REPO,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert records, f"the probe printed nothing (exit {result.returncode}):\n{result.stderr[-3000:]}"
    assert records[-1]["call"] == "summary", f"the probe did not finish:\n{result.stderr[-3000:]}"
    return result.returncode, records


def run_probe(
    python: Path, url: str, key_id: str, key_path: str, ticker: str, *extra: str
) -> list[dict[str, Any]]:
    """Run the probe and fail with every call that did not parse."""
    returncode, records = probe_records(python, url, key_id, key_path, ticker, *extra)
    failures = [r for r in records if not r["ok"] and r["call"] != "summary"]
    report = "\n".join(
        json.dumps({k: r.get(k) for k in ("call", "status", "err", "problems")})[:1500] for r in failures
    )
    assert not failures and returncode == 0, (
        f"{len(failures)} SDK calls failed (probe exit {returncode}):\n{report}"
    )
    return records


def test_official_sdk_parses_every_endpoint() -> None:
    python = sdk_python()
    with Sandbox(seed=0, rate_limit=None) as sb:
        http = Http(sb.url, sb.key_id, str(sb.private_key_path))
        try:
            traded, settled = pick_markets(http)
            # State so that every endpoint has data: a fill, a resting order, a cancelled order, a settlement.
            take = http.order(traded["ticker"], traded["yes_ask_dollars"], "1", "immediate_or_cancel")
            rest_price = lowest_bid_price(traded)
            resting = http.order(traded["ticker"], rest_price, "2", "good_till_canceled")
            doomed = http.order(traded["ticker"], rest_price, "1", "good_till_canceled")
            http.request("DELETE", f"/portfolio/events/orders/{doomed['order_id']}")
            http.order(settled["ticker"], settled["yes_ask_dollars"], "1", "immediate_or_cancel")
            sb.settle(settled["ticker"], "yes")

            # The raw JSON as this test sees it, before the probe reads (the probe's writes come later).
            raw_market = http.get(f"/markets/{traded['ticker']}")["market"]
            raw_book = http.get(f"/markets/{traded['ticker']}/orderbook")["orderbook_fp"]
            raw_balance = http.get("/portfolio/balance")

            records = run_probe(python, sb.url, sb.key_id, str(sb.private_key_path), traded["ticker"])
            by_call = {r["call"]: r for r in records}

            # Every endpoint returned data, so the models were exercised on real records, not empty lists.
            must_have_data = [
                "get_markets [pagination]",
                "get_markets status=unopened",
                "get_markets status=open",
                "get_markets status=closed",
                "get_markets status=settled",
                "get_markets mve_filter=only",
                "get_markets mve_filter=exclude",
                "get_markets event_ticker",
                "get_markets tickers",
                "get_market_orderbook",
                "get_market_orderbooks",
                "get_trades [pagination]",
                "get_events [pagination]",
                "get_events with_nested_markets status=open",
                "get_event",
                "get_event with_nested_markets",
                "get_series_list",
                "get_market_candlesticks period=1",
                "get_market_candlesticks period=60",
                "get_exchange_schedule",
                "get_historical_markets [pagination]",
                "get_trades_historical",
                "get_positions",
                "get_fills all",
                "get_orders [pagination]",
                "get_orders status=resting",
                "get_orders status=executed",
                "get_orders status=canceled",
                "get_settlements",
                "batch_create_orders_v2",
                "batch_cancel_orders_v2",
            ]
            empty = [name for name in must_have_data if not (by_call.get(name) or {}).get("n")]
            assert not empty, f"these calls parsed but returned no records: {empty}"
            assert by_call["get_markets [pagination]"]["pages"] > 1
            for sweep in (
                "get_markets all",
                "get_trades all",
                "get_events all nested",
                "get_historical_markets all",
            ):
                assert by_call[f"{sweep} [pagination]"]["reached_end"], sweep

            # The filters mean what the API docs say (status query names differ from the status values).
            for query, allowed in (
                ("unopened", {"initialized"}),
                ("open", {"active"}),
                ("closed", {"closed"}),
                ("settled", {"determined", "finalized"}),
            ):
                statuses = set(by_call[f"get_markets status={query}"]["sample"]["statuses"])
                assert statuses and statuses <= allowed, (query, statuses)
            assert "" not in by_call["get_markets mve_filter=only"]["sample"]["mve_collection_tickers"]
            assert by_call["get_markets mve_filter=exclude"]["sample"]["mve_collection_tickers"] == [""]

            # SDK-parsed values equal the raw JSON fetched independently.
            sdk_market = by_call["get_market"]["sample"]
            assert sdk_market["ticker"] == traded["ticker"]
            for field in ("yes_bid_dollars", "yes_ask_dollars", "last_price_dollars", "status", "result"):
                assert sdk_market[field] == raw_market[field], field
            assert dt.datetime.fromisoformat(sdk_market["close_time"]) == dt.datetime.fromisoformat(
                raw_market["close_time"]
            )
            assert sdk_market["floor_strike"] == raw_market.get("floor_strike")
            assert sdk_market["price_ranges"] == raw_market["price_ranges"]
            assert by_call["get_market_orderbook"]["sample"] == raw_book
            sdk_balance = by_call["get_balance"]["sample"]
            assert sdk_balance["balance"] == raw_balance["balance"]
            assert Decimal(sdk_balance["balance_dollars"]) * 100 == sdk_balance["balance"]

            # ... and the values worked out from the orders placed above.
            fills = by_call["get_fills all"]["sample"]["fills"]
            taken = [f for f in fills if f["order_id"] == take["order_id"]]
            assert len(taken) == 1 and taken[0]["is_taker"] is True and taken[0]["book_side"] == "bid"
            assert Decimal(taken[0]["count_fp"]) == 1
            assert Decimal(taken[0]["yes_price_dollars"]) == Decimal(traded["yes_ask_dollars"])
            settlement = [
                s
                for s in by_call["get_settlements"]["sample"]["settlements"]
                if s["ticker"] == settled["ticker"]
            ]
            assert len(settlement) == 1
            # one YES contract settling YES pays $1.00 = 100 cents
            assert settlement[0]["market_result"] == "yes" and settlement[0]["revenue"] == 100
            assert Decimal(settlement[0]["yes_count_fp"]) == 1 and Decimal(settlement[0]["no_count_fp"]) == 0
            positions = by_call["get_positions"]["sample"]["market_positions"]
            assert Decimal(positions[traded["ticker"]]) == 1
            for status, order in (("resting", resting), ("canceled", doomed), ("executed", take)):
                listed = by_call[f"get_orders status={status}"]["sample"]
                assert listed["statuses"] == [status]
                assert order["order_id"] in listed["ids"], status

            # The probe's V2 writes: created 2 @ p, amended to a total of 3 @ p+1 tick (unfilled, so 3
            # remain), decreased by 1 (2 remain), cancelled (2 cancelled).
            created = by_call["create_order_v2"]["sample"]
            assert Decimal(created["fill_count"]) == 0 and Decimal(created["remaining_count"]) == 2
            amended = by_call["amend_order_v2"]["sample"]
            after_amend = by_call["get_order after amend"]["sample"]
            assert Decimal(after_amend["yes_price_dollars"]) == Decimal(amended["price"])
            assert Decimal(after_amend["remaining_count_fp"]) == 3
            assert Decimal(by_call["decrease_order_v2"]["sample"]["remaining_count"]) == 2
            assert Decimal(by_call["cancel_order_v2"]["sample"]["reduced_by"]) == 2
            assert by_call["get_order after cancel"]["sample"]["status"] == "canceled"
            raw_cancelled = http.get(f"/portfolio/orders/{created['order_id']}")["order"]
            assert raw_cancelled["status"] == "canceled"
            assert Decimal(raw_cancelled["yes_price_dollars"]) == Decimal(amended["price"])
            assert by_call["get_orders status=resting after cancel_all"]["n"] == 0
            taking = by_call["create_order_v2 taking IOC"]["sample"]
            assert Decimal(taking["fill_count"]) == 1
            assert Decimal(taking["average_fill_price"]) == Decimal(taking["yes_ask"])

            check_accounts(by_call, traded, settled)
            # The user's historical tiers: with the cutoff moved past everything done so far, the taken
            # order and its fill are there, and only finished orders are (a resting order never is).
            sb.set_historical_cutoff(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1))
            time.sleep(1.1)
            history = run_probe(
                python, sb.url, sb.key_id, str(sb.private_key_path), traded["ticker"], "--history"
            )
            old = {r["call"]: r for r in history}
            assert take["order_id"] in old["get_fills_historical"]["sample"]["order_ids"]
            shards = sorted({traded["exchange_index"], settled["exchange_index"]})
            assert old["get_fills_historical"]["sample"]["shards"] == shards
            assert take["order_id"] in old["get_historical_orders"]["sample"]["ids"]
            assert set(old["get_historical_orders"]["sample"]["statuses"]) <= {"executed", "canceled"}
        finally:
            http.close()


def check_accounts(
    by_call: dict[str, dict[str, Any]], traded: dict[str, Any], settled: dict[str, Any]
) -> None:
    """What the probe's second-edition calls (sdk_probe_accounts.py) read: shards, limits, subaccounts."""
    sample = {name: (record.get("sample") or {}) for name, record in by_call.items()}
    # Shards: four of them, every record names its own, a Crypto series on shard 2.
    assert sample["get_exchange_status shards"]["shards"] == [0, 1, 2, 3]
    for call in ("get_markets shards", "get_series_list shards"):
        assert None not in sample[call]["shards"] and len(sample[call]["shards"]) > 1, call
    assert sample["get_markets series_ticker=KXBTC15M shards"]["shards"] == [2]
    assert sample["get_series_list shards"]["crypto"] == [2]
    shard = traded["exchange_index"]
    assert sample["get_event shards"] == {"event": shard, "markets": [shard]}
    # orders and fills on both markets traded (the settled one may have left the positions)
    both = sorted({shard, settled["exchange_index"]})
    assert sample["get_orders shards"]["shards"] == sample["get_fills shards"]["shards"] == both
    assert shard in sample["get_positions shards"]["shards"]
    assert set(sample["get_positions shards"]["shards"]) <= set(both)
    assert sample["get_settlements shards"]["shards"] == [settled["exchange_index"]]
    # The balance is the sum of its shards, and a scoped balance is that shard's.
    balance = sample["get_balance breakdown"]
    assert sorted(balance["breakdown"]) == ["0", "1", "2", "3"]
    assert sum(Decimal(v) for v in balance["breakdown"].values()) * 100 == balance["balance"]
    assert Decimal(balance["breakdown"]["0"]) * 100 == sample["get_balance exchange_index=0"]["balance"]
    # The same rate-limit table as Kalshi's page (Basic) and the default token cost.
    limits = sample["get_account_api_limits"]
    assert limits["read"] == {"refill_rate": 200, "bucket_capacity": 400}
    assert limits["write"] == {"refill_rate": 100, "bucket_capacity": 100}
    assert sample["get_account_endpoint_costs"]["default_cost"] == 10
    queue = sample["get_order_queue_positions"]
    assert queue["order_id"] in queue["orders"]
    # A subaccount: created, funded with $5.00, traded in, listed with its balance and transfer.
    number = sample["create_subaccount"]["subaccount_number"]
    assert 1 <= number <= 63
    placed = sample["create_order_v2 subaccount"]["order_id"]
    assert sample["get_orders subaccount"] == {"ids": [placed], "subaccounts": [number]}
    assert sample["get_balance subaccount"]["balance"] == 500
    balances = {(n, i): Decimal(b) for n, i, b in sample["get_subaccount_balances"]["balances"]}
    assert balances[number, shard] == Decimal(5)
    assert [number, 500] in sample["get_subaccount_transfers"]["to"]
    # $5.00 moved from shard 0 to shard 2, and found again in the transfer history.
    moved = sample["intra_exchange_instance_transfer"]["transfer_id"]
    assert moved in sample["get_intra_exchange_instance_transfers"]["ids"]
    assert sample["get_intra_exchange_instance_transfer"] == {"from": 0, "to": 2, "amount": "5.0000"}
    assert sample["get_target_balance_allocation"]["allocations"]
    needs_data = [
        "batch_get_market_candlesticks",
        "get_multivariate_events",
        "get_event_metadata",
        "get_series_fee_changes",
        "get_account_endpoint_costs",
    ]
    assert not [name for name in needs_data if not by_call[name].get("n")], needs_data


def test_official_sdk_authenticates_with_an_ed25519_key(tmp_path: Path) -> None:
    """The SDK detects the key type from the PEM; an Ed25519 key registered with the sandbox must work too.

    The same calls with a key the sandbox does not know must be refused, or the first half proves nothing.
    """
    python = sdk_python()
    key = ed25519.Ed25519PrivateKey.generate()
    key_path = tmp_path / "ed25519.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with Sandbox(seed=0, rate_limit=None) as sb:
        http = Http(sb.url, sb.key_id, str(sb.private_key_path))
        try:
            ticker = pick_markets(http)[0]["ticker"]
        finally:
            http.close()
        key_id = str(uuid.uuid4())
        sb.register_key(key_id, public_pem)
        records = run_probe(python, sb.url, key_id, str(key_path), ticker, "--smoke")
        assert {"get_balance", "create_order_v2", "cancel_order_v2"} <= {r["call"] for r in records}

        returncode, refused = probe_records(
            python, sb.url, str(uuid.uuid4()), str(key_path), ticker, "--smoke"
        )
        by_call = {r["call"]: r for r in refused}
        assert returncode == 1
        assert by_call["get_balance"]["status"] == 401 and by_call["create_order_v2"]["status"] == 401
