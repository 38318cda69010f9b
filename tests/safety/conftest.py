"""Fixtures for the money-safety proofs (issue 9): a sandbox, loopback servers that are *not* the sandbox,
and a session with no live-trading opt-in and the default spend cap.

Everything is real HTTP on 127.0.0.1; nothing of the client is mocked. The "production" these tests see
is a loopback server that has not proved it is the sandbox: either a stub that answers 200 ``{}`` to
everything, or a transparent proxy in front of the sandbox (so an order that gets through is a real order
on the sandbox's books, and the test can count it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest
from kalshi_testkit import FAST_RETRY  # noqa: F401  (used by the safety tests)

from kalshi_nb import config, safety

# The synthetic data is generated relative to the exchange's "now": a fixed anchor keeps it the same.
ANCHOR = datetime(2026, 11, 25, 13, 0, tzinfo=timezone.utc)

# Variables that change where requests go or whether real orders are allowed.
_SAFETY_VARIABLES = (*config.ENV_VARIABLES, getattr(config, "ENV_LIVE_TRADING", "KALSHI_NB_LIVE_TRADING"))


@pytest.fixture(autouse=True)
def clean_session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No KALSHI_* variable or .env of the developer's leaks in; no live-trading opt-in; default cap.

    The working directory is an empty temp dir, so no .env above the repository is found. The live
    trading opt-in and the spend cap are process-wide, so they are put back after every test.
    """
    for name in _SAFETY_VARIABLES:
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    safety.disable_live_trading()
    old_cap = safety.spend_cap()
    yield work
    safety.disable_live_trading()
    safety.set_spend_cap(old_cap)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=0, rate_limit=None, now=ANCHOR) as sb:
        yield sb


# --- loopback servers that are not the sandbox ----------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    time: float = field(default_factory=time.monotonic)


class LoopbackServer:
    """A werkzeug server on 127.0.0.1 that logs every request; ``upstream`` set: forwards it there.

    Without an upstream it answers 200 ``{}`` (or the queued ``answers``) to everything, like a
    misconfigured proxy or any local service. With an upstream it is a transparent proxy: a local proxy in
    front of the exchange, which must be treated as production.
    """

    def __init__(self, upstream: str | None = None) -> None:
        import requests
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        self.upstream = upstream
        self.seen: list[Seen] = []
        self.answers: list[tuple[int, bytes]] = []
        self._lock = threading.Lock()
        forward = requests.Session()

        @Request.application
        def app(request: Request) -> Response:
            body = request.get_data()
            with self._lock:
                self.seen.append(
                    Seen(
                        request.method,
                        request.path,
                        request.query_string.decode(),
                        dict(request.headers),
                        body,
                    )
                )
                queued = self.answers.pop(0) if self.answers else None
            if queued is not None:
                return Response(queued[1], status=queued[0], content_type="application/json")
            if self.upstream is None:
                return Response(b"{}", status=200, content_type="application/json")
            headers = {
                k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
            }
            answer = forward.request(
                request.method,
                self.upstream + request.full_path.rstrip("?"),
                data=body or None,
                headers=headers,
                allow_redirects=False,
                timeout=30,
            )
            return Response(
                answer.content,
                status=answer.status_code,
                content_type=answer.headers.get("Content-Type", "application/json"),
            )

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.port = self._server.server_port
        self.root = f"http://127.0.0.1:{self.port}"
        self.url = self.root + "/trade-api/v2"

    def writes(self) -> list[Seen]:
        """Every request that could change state (anything but GET/HEAD/OPTIONS)."""
        with self._lock:
            return [s for s in self.seen if s.method not in ("GET", "HEAD", "OPTIONS")]

    def api_requests(self) -> list[Seen]:
        """Requests to the API itself (not the sandbox identity probe)."""
        with self._lock:
            return [s for s in self.seen if s.path.startswith("/trade-api/")]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def stub_server() -> Iterator[LoopbackServer]:
    """A loopback server that answers 200 ``{}`` to everything and is not the sandbox."""
    server = LoopbackServer()
    yield server
    server.stop()


@pytest.fixture
def proxy(sb: object) -> Iterator[LoopbackServer]:
    """A transparent proxy on 127.0.0.1 in front of the sandbox: to the client, an unproven loopback URL."""
    server = LoopbackServer(upstream=sb.root_url)
    yield server
    server.stop()
