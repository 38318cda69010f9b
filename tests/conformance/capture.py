"""Every answer a sandbox serves during the test run, checked against Kalshi's spec; a last test reports.

``install(collector)`` wraps ``SandboxApp.__call__`` (a WSGI middleware on the class, so every sandbox the
tests start in this process is covered: the shared fixtures, ``tests/sandbox``'s own, the SDK test's). The
server thread only hashes the answer and queues it; a worker thread checks each distinct (method, path,
status, body) once, compiling one validator per operation and status (``oas_validate``). Faults that break
the answer on purpose (``malformed_*``: half a JSON body; ``drop_*``: no answer) are counted, not checked;
injected error answers (500/502/503/429) are checked like any other. A 500 that is the sandbox's own
exception ("sandbox error: ...") is counted as ``sandbox_bug``: ``Sandbox.check()`` re-raises it in the test
that caused it. ``KNOWN_DIVERGENCES`` lists (route, status) pairs that are reported on every run but do
not fail it, each with its reason; the summary line counts every kind.

``ConformancePlugin`` (registered by tests/conftest.py) appends one test, ``openapi_conformance``, that runs
after all the others and fails with the route, status and first error of each violation. Set
``KALSHI_NB_CONFORMANCE=off`` to turn the check off for a run (the summary then says it was off).

Example:
    >>> collector = Collector()                                               # doctest: +SKIP
    >>> collector.submit("GET", "/trade-api/v2/markets", 200, b'{"markets": 1}')  # doctest: +SKIP
    >>> collector.finish().violations                                        # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conformance.kalshi_spec import load_spec
from conformance.oas_validate import API_PREFIX, ResponseChecker

ENV = "KALSHI_NB_CONFORMANCE"
# A sandbox whose app carries this attribute set to True is left out (counted as "exempt"): only for a test
# that breaks a sandbox on purpose to prove that a check fails (tests/conformance/test_fuzz.py).
EXEMPT_ATTR = "openapi_conformance_exempt"
ITEM_NAME = "openapi_conformance"
_SKIPPED_FAULTS = ("malformed", "drop")
# The sandbox answers its own exceptions with this 500 message, and re-raises them in the test that caused
# them (``Sandbox.check()``): a bug the suite already fails on, or one a test provoked on purpose.
_SANDBOX_BUG = b'"message":"sandbox error: '
# (route, status) -> why a violation there is reported but does not fail the run. Each is a divergence
# reported to the lead, to be fixed in the sandbox and then removed from here.
KNOWN_DIVERGENCES: dict[tuple[str, int], str] = {
    ("GET /exchange/status", status): (
        "the spec gives ExchangeStatus as the body of this route's 500/503/504; the sandbox's injected "
        "faults answer the generic error envelope (kalshi_nb/sandbox/http/wire.py _apply_fault)"
    )
    for status in (500, 503, 504)
}
_STOP = object()


@dataclass
class Violation:
    """One (route, status) that broke the spec: the first error, an example path and how often."""

    route: str
    status: int
    error: str
    path: str
    count: int = 1

    def __str__(self) -> str:
        return f"{self.route} -> {self.status} ({self.count}x, e.g. {self.path}): {self.error}"


@dataclass
class Report:
    """What the collector saw: answers by outcome, the violations, and a reason if nothing could be checked."""

    answers: int = 0
    repeats: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    undocumented: Counter[str] = field(default_factory=Counter)
    violations: dict[tuple[str, int], Violation] = field(default_factory=dict)
    known: dict[tuple[str, int], str] = field(default_factory=dict)
    failure: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.violations) or self.failure is not None

    def summary(self) -> str:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.outcomes.items()))
        return (
            f"{self.answers} sandbox answers, {self.repeats} repeats of an answer already checked; "
            f"distinct: {counts or 'none'}; {self.seconds:.2f} s spent checking"
        )


class Collector:
    """Takes answers from server threads and checks them on one worker thread against the spec.

    ``checker`` builds the ``ResponseChecker`` on first use (the spec is loaded only if an answer comes).
    """

    def __init__(self, checker: Callable[[], ResponseChecker] | None = None) -> None:
        self._make_checker = checker or (lambda: ResponseChecker(load_spec()))
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._seen: set[tuple[str, str, int, bytes]] = set()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.report = Report()

    def submit(self, method: str, path: str, status: int, body: bytes, fault: str | None = None) -> None:
        """Queue one answer (cheap: a hash and a set look-up on the server thread)."""
        report = self.report
        with self._lock:
            report.answers += 1
            if fault and fault.startswith(_SKIPPED_FAULTS):
                report.outcomes[f"fault:{fault.split('_', 1)[0]}"] += 1
                return
            if status == 500 and _SANDBOX_BUG in body:
                report.outcomes["sandbox_bug"] += 1
                return
            key = (method, path, status, hashlib.blake2b(body, digest_size=16).digest())
            if key in self._seen:
                report.repeats += 1
                return
            self._seen.add(key)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="openapi-conformance", daemon=True)
                self._worker.start()
        self._queue.put((method, path, status, body))

    def exempt(self) -> None:
        """Count one answer of an exempt sandbox (see ``EXEMPT_ATTR``)."""
        with self._lock:
            self.report.answers += 1
            self.report.outcomes["exempt"] += 1

    def finish(self, timeout: float = 120.0) -> Report:
        """Wait for the queued answers to be checked; the report (later answers are still taken)."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(_STOP)
            worker.join(timeout)
            if worker.is_alive():
                self.report.failure = f"the conformance worker did not finish within {timeout:.0f} s"
        return self.report

    def _work(self) -> None:
        checker: ResponseChecker | None = None
        while (item := self._queue.get()) is not _STOP:
            if self.report.failure is not None:
                continue
            started = time.perf_counter()
            try:
                checker = checker or self._make_checker()
                outcome = checker.check(*item)
            except Exception as exc:  # noqa: BLE001 -- reported by the last test, never lost in a thread
                self.report.failure = f"{type(exc).__name__}: {exc}"
                continue
            finally:
                self.report.seconds += time.perf_counter() - started
            with self._lock:
                self._record(outcome, item[1])

    def _record(self, outcome: Any, path: str) -> None:
        report = self.report
        key = (outcome.route, outcome.status)
        kind = (
            "known_divergence" if outcome.kind == "violation" and key in KNOWN_DIVERGENCES else outcome.kind
        )
        report.outcomes[kind] += 1
        if kind == "undocumented":
            report.undocumented[f"{outcome.route} -> {outcome.status}"] += 1
        elif kind == "known_divergence":
            report.known.setdefault(key, outcome.error)
        elif kind == "violation" and key in report.violations:
            report.violations[key].count += 1
        elif kind == "violation":
            report.violations[key] = Violation(outcome.route, outcome.status, outcome.error, path)


def middleware(call: Callable[..., Any], collector: Collector) -> Callable[..., Any]:
    """``SandboxApp.__call__`` wrapped: the answer goes to ``collector`` as well as to the client."""

    def checked_call(app: Any, environ: dict, start_response: Callable) -> list[bytes]:
        if getattr(app, EXEMPT_ATTR, False) is True:
            collector.exempt()
            return call(app, environ, start_response)
        seen: list[str] = []

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable[[bytes], Any]:
            seen.append(status)
            return start_response(status, headers, exc_info)

        path = environ.get("PATH_INFO", "")
        log = getattr(app, "requests", None)
        before = log.last_here() if log is not None else None
        body = b"".join(call(app, environ, capture))
        if seen and (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            record = log.last_here() if log is not None else None
            fault = record.fault if record is not None and record is not before else None
            collector.submit(
                environ.get("REQUEST_METHOD", "GET"), path, int(seen[-1].split()[0]), body, fault
            )
        return [body]

    return checked_call


def install(collector: Collector) -> Callable[[], None]:
    """Wrap ``SandboxApp.__call__`` for every sandbox of this process; returns the undo."""
    from kalshi_nb.sandbox.http.app import SandboxApp

    original = SandboxApp.__call__
    SandboxApp.__call__ = middleware(original, collector)  # type: ignore[method-assign]

    def undo() -> None:
        SandboxApp.__call__ = original  # type: ignore[method-assign]

    return undo


def failure_message(report: Report) -> str | None:
    """What the last test fails with (None: nothing broke the spec), one line per (route, status).

    Example:
        >>> r = Report(violations={("GET /x", 200): Violation("GET /x", 200, "1 is not of type 'string'", "/x")})
        >>> print(failure_message(r).splitlines()[1])
        GET /x -> 200 (1x, e.g. /x): 1 is not of type 'string'
    """
    lines = [str(v) for v in report.violations.values()]
    if report.failure is not None:
        lines.insert(0, f"the answers could not be checked: {report.failure}")
    if not lines:
        return None
    return (
        f"{len(report.violations)} (route, status) pairs broke Kalshi's openapi.yaml ({report.summary()}):\n"
        + "\n".join(lines)
    )


class ConformanceItem(pytest.Item):
    """The last test of the run: fails with every violation the collector found."""

    def __init__(self, *, plugin: ConformancePlugin, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugin = plugin

    def runtest(self) -> None:
        message = failure_message(self.plugin.finish())
        if message is not None:
            raise ConformanceError(message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return Path(__file__), None, "every sandbox answer of this run against Kalshi's openapi.yaml"


class ConformanceError(AssertionError):
    """Raised by the last test; its message is the whole report."""


class ConformancePlugin:
    """The pytest side: install the middleware at start, append the last test, print the summary."""

    def __init__(self) -> None:
        self.enabled = os.environ.get(ENV, "on").strip().lower() not in {"0", "off", "false", "no"}
        self.collector = Collector()
        self._undo: Callable[[], None] | None = None
        self._finished: Report | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.enabled:
            self._undo = install(self.collector)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        if self.enabled and items:
            items.append(ConformanceItem.from_parent(session, name=ITEM_NAME, plugin=self))

    def finish(self) -> Report:
        if self._finished is None:
            self._finished = self.collector.finish()
        return self._finished

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self._undo is not None:
            self._undo()
            self._undo = None

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.enabled:
            terminalreporter.write_line(f"openapi conformance: OFF ({ENV}={os.environ.get(ENV)})")
            return
        report = self.finish()
        terminalreporter.write_line(f"openapi conformance: {report.summary()}")
        for (route, status), error in sorted(report.known.items()):
            why = KNOWN_DIVERGENCES[route, status]
            terminalreporter.write_line(
                f"  KNOWN DIVERGENCE (not failed): {route} -> {status}: {error}; {why}"
            )
        for where, n in sorted(report.undocumented.items()):
            terminalreporter.write_line(f"  status not in the spec (not checked): {where} ({n}x)")
