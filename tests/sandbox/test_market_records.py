"""A market leaves the sandbox the same way by every route, with every field the spec requires.

The exchange stores a market without the fields every market shares (``data.MARKET_CONSTANTS``: a smaller
dict at 200,000 markets), and each route that sends markets renders them with ``data.wire_market``. A route
that forgot to render would send a record missing ``market_type`` and the rest. The required fields come
from Kalshi's ``openapi.yaml``, not from the sandbox.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from werkzeug.test import Client

from kalshi_nb.sandbox.exchange import Exchange
from kalshi_nb.sandbox.http.app import SandboxApp

NOW = datetime(2026, 9, 7, 2, 40, tzinfo=timezone.utc)
API = "/trade-api/v2"


@pytest.fixture(scope="module")
def required() -> set[str]:
    from conformance.kalshi_spec import SpecUnavailable, load_spec

    try:
        return set(load_spec()["components"]["schemas"]["Market"]["required"])
    except SpecUnavailable as exc:
        pytest.fail(str(exc))


def _get(client: Client, path: str) -> dict:
    answer = client.get(API + path)
    assert answer.status_code == 200, (path, answer.status_code, answer.data[:300])
    return json.loads(answer.data)


def _pages(client: Client, path: str, key: str, limit: int) -> list[dict]:
    rows: list[dict] = []
    cursor = ""
    sep = "&" if "?" in path else "?"
    while True:
        page = _get(client, f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        rows += page[key]
        cursor = page.get("cursor") or ""
        if not cursor:
            return rows


def test_every_route_sends_the_same_market_with_the_fields_the_spec_requires(required: set[str]) -> None:
    ex = Exchange(seed=6, markets=600, clock=lambda: NOW)
    client = Client(SandboxApp(ex, rate_limit=None))
    routes: dict[str, list[dict]] = {
        "/markets": _pages(client, "/markets", "markets", 1000),
        "/markets?status=open": _pages(client, "/markets?status=open", "markets", 1000),
        "/historical/markets": _pages(client, "/historical/markets", "markets", 1000),
        "Exchange.markets": ex.markets(),
        "Exchange.historical_markets": ex.historical_markets(),
    }
    nested = _pages(client, "/events?with_nested_markets=true", "events", 200)
    nested += _pages(client, "/events/multivariate?with_nested_markets=true", "events", 200)
    routes["/events nested"] = [m for ev in nested for m in ev["markets"]]
    events = sorted({m["event_ticker"] for m in routes["/markets"]})[::7]
    for name in events:
        routes.setdefault("/events/{e}", []).extend(_get(client, f"/events/{name}")["markets"])
        answer = _get(client, f"/events/{name}?with_nested_markets=true")
        routes.setdefault("/events/{e} nested", []).extend(answer["event"]["markets"])
        routes.setdefault("Exchange.event", []).extend(ex.event(name)[1])
    tickers = [m["ticker"] for m in routes["/markets"] + routes["/historical/markets"]]
    one = {t: _get(client, f"/markets/{t}")["market"] for t in tickers}
    assert len(one) > 600 and len(routes["/historical/markets"]) > 0
    for route, records in routes.items():
        assert records, route
        for rec in records:
            missing = required - rec.keys()
            assert not missing, f"{route} sent {rec['ticker']} without {sorted(missing)}"
            assert rec == one[rec["ticker"]], f"{route} and /markets/{{ticker}} differ on {rec['ticker']}"
    for ticker in tickers[::25]:
        assert ex.market(ticker) == one[ticker]
