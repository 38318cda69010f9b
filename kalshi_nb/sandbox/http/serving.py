"""Serving: a keep-alive request handler that can drop connections, and the threaded server."""

from __future__ import annotations

import contextlib
import io
import logging
import select
import socket
import threading
import time
from collections.abc import Callable
from time import perf_counter
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from ..limits import (
    MAX_BODY_BYTES,
)
from .app import SandboxApp
from .wire import _DROP, _JSON, _error_body, _reason

log = logging.getLogger("kalshi_nb.sandbox.server")


log = logging.getLogger(__name__)


_MAX_DRAIN_BYTES = 16 << 20


class SandboxRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with keep-alive (werkzeug's own always closes), no access log, whole-body
    reads (so an unread body never corrupts the next request), and the drop-connection fault."""

    protocol_version = "HTTP/1.1"
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    def setup(self) -> None:
        super().setup()
        # Small answers on a keep-alive connection would otherwise wait for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)  # type: ignore[attr-defined]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def parse_request(self) -> bool:
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split()
        if len(words) == 2:
            # "GET /path" with no version (HTTP/0.9): http.server would wait for headers that never come,
            # then answer without a status line (and werkzeug crashed). Answer an HTTP/1.0 400 and close now.
            self.command, self.requestline, self.request_version = None, line, "HTTP/1.0"  # type: ignore[assignment]
            self.send_error(400, "HTTP/0.9 request lines are not supported; send HTTP/1.1")
            return False
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests (bad request line, headers too long, ...) get a Kalshi-shaped JSON error."""
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # an answer with a status line, whatever came in
        self.close_connection = True
        body = _error_body(
            "bad_request" if code == 400 else _reason(code).lower().replace(" ", "_"),
            (message or _reason(code))[:300],
        )
        try:
            self.send_response(code, _reason(code))
            self.send_header("Content-Type", _JSON)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", "") != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass  # the client is gone

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)

    def run_wsgi(self) -> None:
        started = perf_counter()
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.environ = self.make_environ()
        try:
            data = self._read_body(environ)
        except _BodyError as exc:
            self.close_connection = True
            self._write(exc.status, _error_body(exc.code, exc.message), [("Content-Type", _JSON)])
            return
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)

        captured: list[Any] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Callable[[bytes], None]:
            captured[:] = [status, headers]
            return lambda chunk: None  # the sandbox app never uses write()

        app = self.server.app
        result = app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if environ.get(_DROP):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)  # no response at all: the client sees EOF
        else:
            status, headers = captured
            code, _, reason = status.partition(" ")
            self._write(int(code), body, [h for h in headers if h[0].lower() != "content-length"], reason)
        self.server.add_busy(perf_counter() - started)  # type: ignore[attr-defined]

    def _read_body(self, environ: dict) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            try:
                data = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
            except (OSError, ValueError):
                raise _BodyError(400, "bad_request", "malformed chunked request body") from None
        else:
            raw = self.headers.get("Content-Length")
            if raw is None or not raw.strip():
                return b""
            if not raw.strip().isdigit():
                raise _BodyError(400, "bad_request", "Content-Length is not a number")
            length = int(raw)
            if length > MAX_BODY_BYTES:
                if length <= _MAX_DRAIN_BYTES:  # read it, so the client sees the 413 rather than a reset
                    while length > 0 and (chunk := self.rfile.read(min(length, 1 << 20))):
                        length -= len(chunk)
                raise _BodyError(413, "request_too_large", f"request body over {MAX_BODY_BYTES} bytes")
            data = self.rfile.read(length) if length else b""
            if len(data) < length:
                raise _BodyError(400, "bad_request", "request body shorter than Content-Length")
        if len(data) > MAX_BODY_BYTES:
            raise _BodyError(413, "request_too_large", f"request body over {MAX_BODY_BYTES} bytes")
        return data

    def _write(self, code: int, body: bytes, headers: list, reason: str | None = None) -> None:
        self.send_response(code, reason or _reason(code))
        for key, value in headers:
            self.send_header(key, value)
        if code != 204:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")
        send_body = bool(body) and code != 204 and self.command != "HEAD"
        if send_body and len(body) < 65536:
            # Small answers go out in one write with the headers; big ones are not copied just for that.
            self._headers_buffer.append(body)
            send_body = False
        self.flush_headers()
        if send_body:
            self.wfile.write(body)


class _BodyError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class SandboxServer(ThreadedWSGIServer):
    """A threaded werkzeug server that remembers its open connections (``close_connections``)."""

    def __init__(self, host: str, port: int, app: SandboxApp) -> None:
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self._sock_lock = threading.Lock()
        self._refuse_until: float | None = None  # monotonic time; the listening socket is closed until then
        self._stop_requested = False
        self._serving_done = threading.Event()
        super().__init__(host, port, app, handler=SandboxRequestHandler)

    # socketserver's loop registers the listening socket once; this one re-reads it on every turn, so that
    # refuse_connections() can close it and open a new one on the same port.
    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._serving_done.clear()
        try:
            while not self._stop_requested:
                with self._sock_lock:
                    if self._refuse_until is not None and time.monotonic() >= self._refuse_until:
                        self._reopen()
                    sock = None if self._refuse_until is not None else self.socket
                if sock is None:
                    time.sleep(min(poll_interval, 0.01))
                    continue
                try:
                    ready, _, _ = select.select([sock], [], [], poll_interval)
                except (OSError, ValueError):  # closed under us by refuse_connections()
                    continue
                if self._stop_requested:
                    break
                if ready:
                    self._handle_request_noblock()  # type: ignore[attr-defined]
                self.service_actions()
        finally:
            self._stop_requested = False
            self._serving_done.set()

    def shutdown(self) -> None:
        self._stop_requested = True
        self._serving_done.wait()

    def refuse_connections(self, seconds: float) -> None:
        """Close the listening socket for ``seconds`` (new connections get ECONNREFUSED) and every open
        connection (so a pooled keep-alive connection cannot bypass the refusal); then listen again on the
        same port. A client sees a connection refused *before* its request was sent."""
        with self._sock_lock:
            if self._refuse_until is None:
                with contextlib.suppress(OSError):
                    self.socket.shutdown(socket.SHUT_RDWR)
                self.socket.close()
            self._refuse_until = time.monotonic() + seconds
        self.close_connections()

    def _reopen(self) -> None:
        sock = socket.socket(self.address_family, self.socket_type)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(self.server_address)
            sock.listen(self.request_queue_size)
        except OSError:
            sock.close()
            self._refuse_until = time.monotonic() + 0.05  # port briefly busy: try again shortly
            return
        self.socket = sock
        self._refuse_until = None

    def track(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(conn)

    def add_busy(self, seconds: float) -> None:
        app = self.app
        if isinstance(app, SandboxApp):
            app.wire_seconds += seconds

    def close_connections(self) -> None:
        """Shut every open keep-alive connection, so no handler thread outlives the server."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


def make_sandbox_server(app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
    """A ready (not yet serving) server; call ``serve_forever()`` in a thread.

    Example:
        >>> server = make_sandbox_server(app)      # doctest: +SKIP
        >>> server.server_address                  # doctest: +SKIP
        ('127.0.0.1', 54321)
    """
    return SandboxServer(host, port, app)
