"""kalshi_nb.endpoints against Kalshi's OpenAPI spec: the hand-written filter table matches the spec.

The spec is read from ``../shared/kalshi-spec/openapi.yaml`` beside the clone when it is there; otherwise it
is fetched once from the package registry, as ``shared/kalshi-spec/SOURCE.md`` says (the sdist of
``kalshi-sdk`` 22.4.0 carries it in ``specs/``), and cached in ``.pytest_cache``. If neither works the test
FAILS with the reason: a conformance test that skips itself would prove nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from kalshi_nb.endpoints import ENDPOINTS, SPEC_VERSION, Endpoint, Param

CONTRACT_NAMES = {
    "markets",
    "events",
    "trades",
    "positions",
    "fills",
    "orders",
    "settlements",
    "historical_markets",
    "historical_trades",
    "historical_fills",
    "historical_orders",
    "candlesticks",
    "series_list",
    "series",
}
# Parameters whose values the spec gives in a schema instead of on the parameter: (endpoint, name) -> schema.
ENUM_FROM_SCHEMA = {("orders", "status"): "OrderStatus"}


@pytest.fixture(scope="module")
def spec() -> dict:
    # One place fetches Kalshi's spec (the shared copy, the cache, or the registry): tests/conformance.
    from conformance.kalshi_spec import SpecUnavailable, load_spec

    try:
        return load_spec()
    except SpecUnavailable as exc:
        pytest.fail(str(exc))


def _query_params(spec: dict, path: str) -> dict[str, dict]:
    item = spec["paths"][path]
    shared = spec.get("components", {}).get("parameters", {})
    out = {}
    for p in item.get("parameters", []) + item["get"].get("parameters", []):
        if "$ref" in p:
            p = shared[p["$ref"].rsplit("/", 1)[-1]]
        if p["in"] == "query":
            out[p["name"]] = p
    return out


def _schema(spec: dict, schema: dict) -> dict:
    if "$ref" in schema:
        return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def differences(spec: dict, table: dict[str, Endpoint]) -> list[str]:
    """Every way ``table`` disagrees with ``spec`` (empty: they agree)."""
    problems = []
    for name, endpoint in table.items():
        if endpoint.path not in spec["paths"] or "get" not in spec["paths"][endpoint.path]:
            problems.append(f"{name}: GET {endpoint.path} is not in the spec")
            continue
        wanted = _query_params(spec, endpoint.path)
        for missing in sorted(set(wanted) - set(endpoint.params)):
            problems.append(f"{name}: the spec's {missing!r} is missing from the table")
        for extra in sorted(set(endpoint.params) - set(wanted)):
            problems.append(f"{name}: {extra!r} is not a parameter of GET {endpoint.path} in the spec")
        for pname in sorted(set(wanted) & set(endpoint.params)):
            problems += _param_differences(spec, name, pname, wanted[pname], endpoint.params[pname])
    return problems


def _param_differences(spec: dict, endpoint: str, name: str, given: dict, param: Param) -> list[str]:
    where = f"{endpoint}.{name}"
    schema = _schema(spec, given.get("schema", {}))
    kind = {"integer": ("integer", "timestamp"), "boolean": ("boolean",), "string": ("string",)}.get(
        schema.get("type"), ()
    )
    problems = []
    if param.kind not in kind:
        problems.append(f"{where}: the spec's type is {schema.get('type')!r}, the table says {param.kind!r}")
    if param.kind == "timestamp" and not (name.endswith("_ts") and schema.get("format") == "int64"):
        problems.append(f"{where}: only int64 *_ts parameters are timestamps")
    enum: Any = schema.get("enum")
    if (endpoint, name) in ENUM_FROM_SCHEMA:
        enum = spec["components"]["schemas"][ENUM_FROM_SCHEMA[endpoint, name]]["enum"]
    if list(enum or ()) != list(param.values):
        problems.append(f"{where}: the spec's values are {enum}, the table's {list(param.values)}")
    for bound, value in (("minimum", param.low), ("maximum", param.high)):
        if schema.get(bound) != value and param.kind == "integer" and not param.values:
            problems.append(f"{where}: the spec's {bound} is {schema.get(bound)}, the table's {value}")
    return problems


def test_the_spec_is_the_version_the_table_was_written_from(spec) -> None:
    assert spec["info"]["version"] == SPEC_VERSION


def test_the_table_matches_the_spec(spec) -> None:
    assert differences(spec, ENDPOINTS) == []


def test_the_table_has_every_endpoint_of_the_contract() -> None:
    assert set(ENDPOINTS) >= CONTRACT_NAMES


def test_the_comparison_catches_each_kind_of_drift(spec) -> None:
    # The check above is only worth something if a wrong table fails it: one of each mistake.
    markets = ENDPOINTS["markets"]
    wrong = {
        "extra": Endpoint(markets.path, {**markets.params, "seris": Param("string")}),
        "missing": Endpoint(markets.path, {k: v for k, v in markets.params.items() if k != "cursor"}),
        "enum": Endpoint(markets.path, {**markets.params, "status": Param("string", values=("open",))}),
        "bounds": Endpoint(markets.path, {**markets.params, "limit": Param("integer", low=1, high=200)}),
        "kind": Endpoint(markets.path, {**markets.params, "min_close_ts": Param("string")}),
        "path": Endpoint("/no/such/path", {}),
    }
    found = differences(spec, wrong)
    for name in wrong:
        assert any(p.startswith((f"{name}:", f"{name}.")) for p in found), (name, found)
    orders = ENDPOINTS["orders"]
    bad_status = Endpoint(orders.path, {**orders.params, "status": Param("string", values=("open",))})
    assert differences(spec, {"orders": bad_status})


def test_the_data_engine_pages_real_endpoints_through_real_client_methods() -> None:
    from kalshi_nb.client import KalshiClient
    from kalshi_nb.data import paging

    helpers = paging._LISTS
    assert {h.name for h in helpers} >= {
        "markets",
        "historical_markets",
        "events",
        "trades",
        "positions",
        "fills",
        "orders",
        "settlements",
    }
    assert set(helpers) == {v for v in vars(paging).values() if isinstance(v, paging._Endpoint)}
    for helper in helpers:
        assert helper.name in ENDPOINTS, helper
        assert "cursor" in ENDPOINTS[helper.name].params, helper.name
        assert helper.page_size == ENDPOINTS[helper.name].params["limit"].high, helper.name
        assert callable(getattr(KalshiClient, helper.method, None)), helper.method
