"""The session-wide check of sandbox answers against Kalshi's spec can fail, and does when an answer is wrong.

Each test uses its own ``Collector`` (never the session's), so the wrong bodies fed here fail only here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conformance.capture import ENV, ITEM_NAME, Collector, Report, Violation, failure_message, middleware
from conformance.oas_validate import to_draft4
from werkzeug.test import EnvironBuilder

from kalshi_nb.sandbox.http.requestlog import RequestLog, RequestRecord

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent


def checked(*answers: tuple[str, str, int, object], fault: str | None = None) -> Report:
    collector = Collector()
    for method, path, status, body in answers:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        collector.submit(method, "/trade-api/v2" + path, status, raw, fault)
    return collector.finish()


def test_a_wrong_body_is_a_violation_with_route_status_and_first_error() -> None:
    report = checked(("GET", "/markets", 200, {"markets": "none", "cursor": ""}))
    (violation,) = report.violations.values()
    assert (violation.route, violation.status, violation.path) == (
        "GET /markets",
        200,
        "/trade-api/v2/markets",
    )
    assert "is not of type" in violation.error and "/markets" in violation.error
    message = failure_message(report)
    assert message is not None and "GET /markets -> 200" in message


def test_a_right_body_passes_and_each_distinct_answer_is_checked_once() -> None:
    good = {"markets": [], "cursor": ""}
    report = checked(*[("GET", "/markets", 200, good)] * 3, ("GET", "/markets/candlesticks", 200, {}))
    assert report.outcomes["ok"] == 1 and report.repeats == 2
    # the batch route is matched as itself, not as /markets/{ticker}, and {} lacks its "markets"
    assert list(report.violations) == [("GET /markets/candlesticks", 200)]


def test_error_bodies_are_checked_inside_kalshis_error_envelope() -> None:
    report = checked(
        ("POST", "/portfolio/events/orders", 400, {"error": {"code": "bad_request", "message": "no"}}),
        ("POST", "/portfolio/events/orders", 409, {"error": {"code": 409, "message": "no"}}),
    )
    assert list(report.violations) == [("POST /portfolio/events/orders", 409)]
    assert "(in the error object)" in report.violations["POST /portfolio/events/orders", 409].error


def test_a_body_that_is_not_json_is_a_violation_unless_a_fault_broke_it_on_purpose() -> None:
    assert ("GET /markets", 200) in checked(("GET", "/markets", 200, b'{"markets": [')).violations
    broken = checked(("GET", "/markets", 200, b'{"markets": ['), fault="malformed_after")
    assert not broken.violations and broken.outcomes["fault:malformed"] == 1
    # an injected error answer is an answer like any other: checked
    injected = checked(("POST", "/portfolio/events/orders", 500, {"error": {"code": 5}}), fault="500_after")
    assert injected.violations


def test_statuses_and_paths_the_spec_does_not_describe_are_counted_not_failed() -> None:
    report = checked(("GET", "/markets/X/orderbook", 400, {"error": {}}), ("GET", "/nope", 404, {}))
    assert not report.failed
    assert report.undocumented == {"GET /markets/{ticker}/orderbook -> 400": 1}
    assert report.outcomes["unknown"] == 1


def test_the_middleware_passes_the_answer_on_and_reports_it() -> None:
    collector = Collector()

    class App:
        requests = RequestLog()

        def __call__(self, environ: dict, start_response: object) -> list[bytes]:
            self.requests.append(RequestRecord("GET", "/x", {}, 200, None, None, None, 0.0, 0.0))
            start_response("200 OK", [("Content-Type", "application/json")])  # type: ignore[operator]
            return [b'{"exchange_active": "yes", ', b'"trading_active": true}']

    wrapped = middleware(App.__call__, collector)
    statuses: list[str] = []
    environ = EnvironBuilder(path="/trade-api/v2/exchange/status").get_environ()
    body = wrapped(App(), environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["200 OK"] and b"".join(body).endswith(b"true}")
    (violation,) = collector.finish().violations.values()
    assert violation.route == "GET /exchange/status" and "/exchange_active" in violation.error


def test_nullable_means_or_null_next_to_a_ref_too() -> None:
    assert to_draft4({"type": "integer", "nullable": True}) == {"type": ["integer", "null"]}
    assert to_draft4({"allOf": [{"$ref": "#/a"}], "nullable": True}) == {
        "anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/a"}]}]
    }
    # a property *named* nullable or type is data, not a keyword
    schema = {"type": "object", "properties": {"type": {"type": "string"}, "nullable": {"type": "boolean"}}}
    assert to_draft4(schema) == schema


def test_the_session_check_is_installed_for_this_run(request: pytest.FixtureRequest, sandbox: object) -> None:
    import requests

    plugin = request.config.pluginmanager.get_plugin("kalshi-openapi-conformance")
    assert plugin is not None, "tests/conftest.py must register the conformance check"
    if not plugin.enabled:  # off only when asked for, and the run's summary says so
        assert os.environ[ENV].strip().lower() in {"0", "off", "false", "no"}
        return
    before = plugin.collector.report.answers
    requests.get(sandbox.url + "/exchange/status", timeout=10)  # type: ignore[attr-defined]
    assert plugin.collector.report.answers == before + 1


def test_the_failure_message_names_every_route_and_the_reason_nothing_was_checked() -> None:
    report = Report(failure="SpecUnavailable: no spec")
    report.violations["GET /a", 200] = Violation("GET /a", 200, "bad", "/trade-api/v2/a", count=3)
    message = failure_message(report)
    assert message is not None
    assert "could not be checked: SpecUnavailable" in message and "GET /a -> 200 (3x" in message
    assert failure_message(Report()) is None


def test_a_run_whose_sandbox_serves_a_wrong_body_fails(tmp_path: Path) -> None:
    """End to end: a pytest run with the plugin, a real sandbox answering out of spec, a failing last test."""
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(TESTS)!r})
            from conformance.capture import ConformancePlugin

            def pytest_configure(config):
                config.pluginmanager.register(ConformancePlugin(), "kalshi-openapi-conformance")
            """
        )
    )
    (tmp_path / "test_wrong.py").write_text(
        textwrap.dedent(
            """
            import requests
            from kalshi_nb.sandbox import Sandbox

            def test_a_sandbox_bug():
                with Sandbox(seed=0, rate_limit=None) as sb:
                    sb.app._h_exchange_status = lambda ctx: (200, b'{"exchange_active": "yes"}')
                    assert requests.get(sb.url + "/exchange/status", timeout=10).status_code == 200
            """
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:schemathesis",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), ENV: "on"},
        check=False,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"FAILED {ITEM_NAME}" in done.stdout or f"::{ITEM_NAME}" in done.stdout, done.stdout[-3000:]
    assert "GET /exchange/status -> 200" in done.stdout and "trading_active" in done.stdout, done.stdout
    assert "1 failed, 1 passed" in done.stdout


def test_a_known_divergence_is_listed_and_does_not_fail() -> None:
    report = checked(("GET", "/exchange/status", 503, {"error": {"code": "service_unavailable"}}))
    assert not report.failed and report.outcomes["known_divergence"] == 1
    assert "exchange_active" in report.known["GET /exchange/status", 503]


def test_a_sandbox_crash_is_left_to_sandbox_check() -> None:
    """The sandbox's own exception is re-raised by ``check()`` in the test that caused it; not a spec matter."""
    import requests
    from conformance.capture import install

    from kalshi_nb.sandbox import Sandbox

    collector = Collector()
    with Sandbox(seed=0, rate_limit=None) as sb:
        undo = install(collector)
        try:

            def bug(ctx: object) -> object:
                raise RuntimeError("a sandbox bug")

            sb.app._h_exchange_status = bug  # type: ignore[attr-defined]
            assert requests.get(sb.url + "/exchange/status", timeout=10).status_code == 500
        finally:
            undo()
        with pytest.raises(RuntimeError, match="a sandbox bug"):
            sb.check()
    report = collector.finish()
    assert report.outcomes == {"sandbox_bug": 1} and not report.failed
