"""A property run generated from Kalshi's openapi.yaml against the sandbox (schemathesis), signed as Kalshi signs.

Every operation of the spec is one test: schemathesis generates requests from the operation's schema (valid
ones, and invalid ones where there is a path, query or body to make invalid), each is signed with a throwaway RSA key the
sandbox trusts (``kalshi_nb.auth.KalshiAuth``: RSA-PSS over timestamp + method + path, no query), and sent
over real HTTP with a timeout. Each answer must be no 5xx, must match the spec's schema for its status, and
must come within ``TIMEOUT_S`` (no hang). Path, query and body values named like a ticker or an order id
are sometimes replaced with real ones from the sandbox, so that the generated requests reach the handlers
instead of stopping at "no such market".

Budget: ``KALSHI_NB_FUZZ_EXAMPLES`` examples per operation and mode (default ``SMALL``, about a minute for
the whole spec, derandomised so that CI is reproducible); set it to e.g. 200 for a long, random run:
``KALSHI_NB_FUZZ_EXAMPLES=200 pytest tests/conformance/test_fuzz.py``. Operations the sandbox does not
serve (it answers 404 "no route") get ``UNSERVED_EXAMPLES`` each: enough to see that no input makes them
fail differently. An operation left out must be listed in ``EXCLUDED`` with its reason (none is).

Schemathesis needs Python 3.11+, so this module is marked ``fuzz``: CI's Python 3.10 run leaves it out.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from conformance.capture import EXEMPT_ATTR
from conformance.kalshi_spec import load_spec
from conformance.oas_validate import API_PREFIX, METHODS
from cryptography.hazmat.primitives import serialization
from kalshi_testkit import throwaway_rsa

from kalshi_nb.auth import KalshiAuth

pytestmark = pytest.mark.fuzz

SMALL = 6
UNSERVED_EXAMPLES = 2
TIMEOUT_S = 10.0
BUDGET_ENV = "KALSHI_NB_FUZZ_EXAMPLES"
# (method, path) -> why it is left out of the property run. Empty: every operation of the spec runs.
EXCLUDED: dict[tuple[str, str], str] = {}
# Parameter and body field names whose values are replaced, half the time, with real ones of the sandbox.
REAL_NAMES = (
    "ticker",
    "market_ticker",
    "event_ticker",
    "series_ticker",
    "order_id",
    "tickers",
    "market_tickers",
)


def _operations() -> list[tuple[str, str]]:
    spec = load_spec()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in METHODS
        if method in item and (method.upper(), path) not in EXCLUDED
    ]


OPERATIONS = _operations()


def examples() -> tuple[int, bool]:
    """(examples per operation and mode, derandomise): the env var's budget, else the small CI one."""
    raw = os.environ.get(BUDGET_ENV, "").strip()
    if not raw:
        return SMALL, True
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{BUDGET_ENV} must be a positive integer, got {raw!r}")
    return int(raw), False


@pytest.fixture(scope="module")
def fuzz_sandbox() -> Iterator[Any]:
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=0, rate_limit=None) as sb:
        yield sb


@pytest.fixture(scope="module")
def signed(fuzz_sandbox: Any) -> Iterator[requests.Session]:
    """A session signed with a throwaway key registered with the sandbox (its own account)."""
    key = throwaway_rsa()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_id = str(uuid.uuid4())
    fuzz_sandbox.register_key(key_id, public.decode())
    session = requests.Session()
    session.auth = KalshiAuth(key_id, key)
    yield session
    session.close()


@pytest.fixture(scope="module")
def real_values(fuzz_sandbox: Any, signed: requests.Session) -> dict[str, list[str]]:
    """Real tickers and order ids of the sandbox (two resting orders placed for the purpose)."""
    base = fuzz_sandbox.url

    def get(path: str, **params: Any) -> Any:
        answer = signed.get(base + path, params=params, timeout=TIMEOUT_S)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return answer.json()

    markets = get("/markets", status="open", limit=40, mve_filter="exclude")["markets"]
    series = [s["ticker"] for s in get("/series")["series"][:20]]
    orders = []
    for market in markets[:2]:
        first = market["price_ranges"][0]
        body = {
            "ticker": market["ticker"],
            "side": "bid",
            "price": first["start"] if float(first["start"]) > 0 else first["step"],
            "count": "1",
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": str(uuid.uuid4()),
        }
        placed = signed.post(base + "/portfolio/events/orders", json=body, timeout=TIMEOUT_S)
        assert placed.status_code == 201, placed.text[:300]
        orders.append(placed.json()["order_id"])
    tickers = [m["ticker"] for m in markets]
    events = sorted({m["event_ticker"] for m in markets})
    return {
        "ticker": tickers,
        "market_ticker": tickers,
        "tickers": [",".join(tickers[:3]), tickers[0]],
        "market_tickers": [",".join(tickers[:3])],
        "event_ticker": events,
        "series_ticker": series,
        "order_id": orders,
    }


@pytest.fixture(scope="module")
def schema(real_values: dict[str, list[str]]) -> Any:
    """The spec as schemathesis loads it, with hooks that sometimes put real values in."""
    import schemathesis
    from hypothesis import strategies as st

    loaded = schemathesis.openapi.from_dict(copy.deepcopy(load_spec()))

    def with_real(values: Any) -> Any:
        if not isinstance(values, dict):
            return st.just(values)
        names = [n for n in REAL_NAMES if n in values and real_values.get(n)]
        if not names:
            return st.just(values)
        swapped = st.fixed_dictionaries({n: st.sampled_from(real_values[n]) for n in names})
        return st.just(values) | swapped.map(lambda real: {**values, **real})

    for hook in ("flatmap_path_parameters", "flatmap_query", "flatmap_body"):
        loaded.hook(hook)(lambda ctx, values: with_real(values))
    return loaded


def _served(method: str, path: str) -> bool:
    """Whether the sandbox has a route for the operation (else it answers 404 "no route" whatever is sent)."""
    from werkzeug.exceptions import HTTPException

    from kalshi_nb.sandbox.http.routes import _API_MAP

    try:
        _API_MAP.bind("sandbox").match(API_PREFIX + path.replace("{", "x").replace("}", ""), method)
    except HTTPException:
        return False
    return True


def fuzz_operation(
    schema: Any,
    method: str,
    path: str,
    base_url: str,
    session: requests.Session,
    count: int,
    derandomize: bool,
) -> None:
    """Generate ``count`` requests per mode for one operation, send each, and raise on the first bad answer."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    operation = schema[path][method]
    checks = [not_a_server_error, response_schema_conformance]
    modes = [GenerationMode.POSITIVE]
    # Invalid requests where there is something to make invalid (the spec's auth headers do not count: the
    # signing overwrites them).
    if len(operation.path_parameters) + len(operation.query) + len(operation.body):
        modes.append(GenerationMode.NEGATIVE)
    for mode in modes:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=count,
            deadline=None,
            database=None,
            derandomize=derandomize,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            # requests raises on a timeout: a hang fails the test with the generated case.
            answer = case.call(base_url=base_url, session=session, timeout=TIMEOUT_S)
            case.validate_response(answer, checks=checks)

        try:
            run()
        except Unsatisfiable:
            # Nothing about this operation can be made invalid on the wire (say, one string path parameter:
            # every path segment is a string); schemathesis's own runner skips such a negative phase too.
            if mode is not GenerationMode.NEGATIVE:
                raise


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_generated_requests_get_answers_in_the_spec(
    method: str, path: str, schema: Any, fuzz_sandbox: Any, signed: requests.Session
) -> None:
    count, derandomize = examples()
    if not _served(method, path):
        count = min(count, UNSERVED_EXAMPLES)
    fuzz_operation(schema, method, path, fuzz_sandbox.url, signed, count, derandomize)
    fuzz_sandbox.check()  # a server-side exception the sandbox answered as 500 is re-raised here


def test_the_property_run_fails_on_a_wrong_body_and_on_a_5xx(schema: Any) -> None:
    from schemathesis.core.failures import FailureGroup

    from kalshi_nb.sandbox import Sandbox

    # A public route, asked without a signature (the fuzz key is registered with the other sandbox only).
    with Sandbox(seed=0, rate_limit=None) as broken, requests.Session() as plain:
        # Its wrong answers are this test's own: the session-wide check leaves this one sandbox out.
        setattr(broken.app, EXEMPT_ATTR, True)
        broken.app._h_exchange_status = lambda ctx: (200, b'{"exchange_active": "yes"}')
        with pytest.raises(FailureGroup, match="Response violates schema") as wrong:
            fuzz_operation(schema, "GET", "/exchange/status", broken.url, plain, 3, True)
        assert any("trading_active" in str(e) for e in wrong.value.exceptions)

        def bug(ctx: Any) -> Any:
            raise RuntimeError("a sandbox bug")

        broken.app._h_exchange_status = bug
        with pytest.raises(FailureGroup, match="Server error"):
            fuzz_operation(schema, "GET", "/exchange/status", broken.url, plain, 3, True)
        with pytest.raises(RuntimeError, match="a sandbox bug"):
            broken.check()


def test_every_operation_runs_or_is_excluded_with_a_reason() -> None:
    every = {(m.upper(), p) for p, item in load_spec()["paths"].items() for m in METHODS if m in item}
    assert set(OPERATIONS) | set(EXCLUDED) == every and not set(OPERATIONS) & set(EXCLUDED)
    assert all(why.strip() for why in EXCLUDED.values()), EXCLUDED


def test_the_budget_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUDGET_ENV, raising=False)
    assert examples() == (SMALL, True)
    monkeypatch.setenv(BUDGET_ENV, "250")
    assert examples() == (250, False)
    monkeypatch.setenv(BUDGET_ENV, "lots")
    with pytest.raises(ValueError, match=BUDGET_ENV):
        examples()


def test_the_route_probe_tells_served_from_unserved_operations() -> None:
    assert _served("GET", "/markets/{ticker}") and _served("POST", "/portfolio/events/orders")
    assert not _served("GET", "/communications/rfqs")
