"""An offline stand-in for Kalshi Trade API v2 on 127.0.0.1, for tests, notebooks and benchmarks.

Example:
    >>> from kalshi_nb.sandbox import Sandbox
    >>> with Sandbox(seed=7) as sb:                         # doctest: +SKIP
    ...     requests.get(sb.url + "/markets", params={"limit": 5}).json()

The heavy parts (the exchange, werkzeug) are imported when a ``Sandbox`` is built, so importing this
package stays light. See ``DESIGN.md`` for the rules and ``server.py`` for the ``/_sandbox/`` control routes.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .faults import Faults
    from .identity import Identity
    from .ratelimit import RateLimiter
    from .server import RequestLog, SandboxApp, SandboxServer
    from .ws import WsFaults
    from .ws.server import WsServer

__all__ = ["Sandbox"]

log = logging.getLogger(__name__)


class Sandbox:
    """A running local Kalshi: an exchange, an HTTP server on an ephemeral port, and a trusted key pair.

    Args:
        seed: seed of the synthetic data (same seed, same markets).
        markets: approximate number of markets to generate (None: the default, small set).
        host, port: where to listen; port 0 picks a free port.
        rate_limit: "basic" (default), "advanced", "expert", "premier", "paragon", "prime", "prestige", or None
            for no limits (the usage tier stays Basic for ``/account/limits`` and batch sizes).
        faults: initial fault settings (keyword arguments of ``Faults.update``) or a ``Faults``.
        latency: seconds added to every request (shortcut for ``faults={"latency": ...}``).
        now: the exchange's anchor time (None: the real clock).
        starting_balance_cents: balance of every new account.
        exchange: an already built exchange to serve instead of a new one (seed/markets/now ignored).
        pauses: the Thursday 03:00-05:00 ET trading pause on the exchange's clock (no place or amend).
            None (default): on for an exchange built here unless ``KALSHI_NB_SANDBOX_PAUSES=0`` (the test
            suite sets it, so no test depends on the real day of the week), the given exchange's own setting
            otherwise.
        auto_allocation: new accounts start with automatic allocation on (orders draw collateral from the
            subaccount's other shards); False: an order on an unfunded shard is refused.
        ws: also serve Kalshi's WebSocket feed (``ws_url``, on its own port, thread and event loop); its
            faults are ``ws_faults`` (``ws/faults.py``), also under ``/_sandbox/ws/faults`` (GET, POST,
            DELETE) with ``POST /_sandbox/ws/drop_all``.
        ws_port: the WebSocket feed's port (0: a free one; fix it so a restarted sandbox keeps its ``ws_url``).
        ws_faults: initial WebSocket fault settings (keyword arguments of ``WsFaults.update``).
        activity: a seeded market simulation (``activity.py``) running at about this many steps a second
            while the sandbox runs; None or 0 (default): off.
        history_days: also generate that many days of settled KXBTC15M windows (96 a day, with their trades
            and candles, mostly in the historical tiers), generated lazily (0, default: the usual 18 hours).

    Server-side exceptions are answered as a Kalshi-shaped 500 and re-raised here by ``check()``,
    ``stop()`` and leaving the ``with`` block.

    Example:
        >>> with Sandbox(seed=0, rate_limit=None) as sb:        # doctest: +SKIP
        ...     sb.url, sb.key_id, sb.private_key_path
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        markets: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: str | RateLimiter | None = "basic",
        faults: dict[str, Any] | Faults | None = None,
        latency: float = 0.0,
        now: datetime | None = None,
        starting_balance_cents: int = 1_000_000,
        exchange: Any = None,
        pauses: bool | None = None,
        auto_allocation: bool = True,
        ws: bool = True,
        ws_port: int = 0,
        ws_faults: dict[str, Any] | None = None,
        activity: float | None = None,
        history_days: int = 0,
    ) -> None:
        from .faults import Faults
        from .limits import bounded_int

        port = bounded_int("port", port, low=0, high=65535)  # before the (slow) data build
        # RSA key generation (~0.1 s) releases the GIL, so it runs in a thread while the data is built and
        # the HTTP layer imported, instead of after them.
        keygen = _KeyGen()
        from .server import SandboxApp

        if exchange is None:
            from .exchange import Exchange

            exchange = Exchange(
                seed=seed, markets=markets, now=now, starting_balance_cents=starting_balance_cents,
                pauses=_pauses_by_default() if pauses is None else pauses, auto_allocation=auto_allocation,
                history_days=history_days,
            )  # fmt: skip
        elif pauses is not None:
            exchange.set_pauses(pauses)
        if isinstance(faults, Faults):
            fault_obj = faults
        else:
            fault_obj = Faults(seed=seed)
            if faults:
                fault_obj.update(**faults)
        if latency:
            fault_obj.update(
                latency={"seconds": latency}
            )  # its own empty scope: every request, whatever `faults` says

        self.seed = seed
        self.host = host
        self._requested_port = port
        self._errors: list[BaseException] = []
        self._errors_lock = threading.Lock()
        self.app: SandboxApp = SandboxApp(
            exchange, faults=fault_obj, rate_limit=rate_limit, on_error=self._record_error
        )
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._identity: Identity | None = None
        from .ws import WsFaults

        self._ws_enabled = bool(ws)
        self._ws_port = bounded_int("ws_port", ws_port, low=0, high=65535)
        self.ws_faults: WsFaults = WsFaults().update(**(ws_faults or {}))
        if self._ws_enabled:
            self.app.ws_faults = self.ws_faults  # the /_sandbox/ws/ control routes
        self._ws: WsServer | None = None
        self._activity_rate = activity
        self._activity: Any = None

        # The key pair this sandbox trusts; the private half only ever lives in a 0600 file.
        public_pem, private_pem = keygen.result()
        self.public_key_pem: str = public_pem
        self._key_dir = tempfile.mkdtemp(prefix="kalshi-sandbox-")
        self.private_key_path: str = os.path.join(self._key_dir, "sandbox-private-key.pem")
        fd = os.open(self.private_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(private_pem)
        del private_pem
        self.key_id: str = str(uuid.uuid4())
        self.user_id: str = self.register_key(self.key_id, self.public_key_pem)

    # --- state -------------------------------------------------------------------------------------
    @property
    def exchange(self) -> Any:
        return self.app.exchange

    @property
    def faults(self) -> Faults:
        return self.app.faults

    @property
    def requests(self) -> RequestLog:
        """The request log: ``RequestRecord``s, oldest first; ``sb.requests.clear()`` empties it."""
        return self.app.requests

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() or use it as a context manager")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://host:port`` (control routes are under ``root_url + "/_sandbox/"``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The API base, ``http://127.0.0.1:PORT/trade-api/v2``."""
        return self.root_url + "/trade-api/v2"

    @property
    def ws_url(self) -> str:
        """The WebSocket feed, ``ws://127.0.0.1:PORT/trade-api/ws/v2`` (a port of its own).

        Example:
            >>> sb.ws_url.startswith("ws://127.0.0.1:") and sb.ws_url.endswith("/trade-api/ws/v2")
            True
        """
        if self._ws is None:
            raise RuntimeError("no WebSocket feed: the sandbox is not running, or was built with ws=False")
        return self._ws.url

    def ws_drop_all(self) -> None:
        """Drop every open WebSocket connection now (abruptly, as a network failure would).

        Example:
            >>> sb.ws_drop_all()
        """
        if self._ws is not None:
            self._ws.drop_all()

    @property
    def activity(self) -> Any:
        """The running market simulation (``activity.Activity``), or None when off."""
        return self._activity

    @property
    def secret_path(self) -> str:
        """The file holding this sandbox's identity secret, ``<data_dir>/sandbox/<host>_<port>.secret``
        (0600; it exists while the sandbox runs). See ``identity.py``."""
        if self._identity is None:
            raise RuntimeError("the sandbox is not running; call start() or use it as a context manager")
        return str(self._identity.path)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- operations ------------------------------------------------------------------------------------
    def register_key(self, key_id: str, public_key_pem: str | bytes, user_id: str | None = None) -> str:
        """Trust another public key (RSA or Ed25519 PEM); return its user id (a new account unless given).

        Example:
            >>> uid = sb.register_key("my-key-id", open("me.pub.pem").read())   # doctest: +SKIP
        """
        return self.app.register_key(key_id, public_key_pem, user_id)

    def settle(self, ticker: str, result: str) -> None:
        """Settle a market "yes" or "no": pays out positions and writes settlements."""
        self.exchange.settle_market(ticker, result)

    def set_balance(self, user_id: str, balance_cents: int) -> None:
        self.exchange.set_balance(user_id, balance_cents)

    def set_historical_cutoff(self, when: datetime) -> None:
        self.exchange.set_historical_cutoff(when)

    def set_pauses(self, enabled: bool) -> None:
        """Turn the Thursday trading pause on or off (it follows the exchange's clock)."""
        self.exchange.set_pauses(enabled)

    def set_auto_allocation(self, enabled: bool, user_id: str | None = None) -> None:
        """Automatic allocation on or off for one account (default: the sandbox key's). Off, an order on a
        shard without collateral is refused with ``insufficient_balance`` naming the shard."""
        self.exchange.set_auto_allocation(user_id or self.user_id, enabled)

    def reset(self) -> None:
        """Regenerate the exchange from its seed (accounts back to their start), empty the request log and
        the rate-limit buckets. Registered keys and fault settings stay."""
        self.app.reset()

    def set_rate_limit(self, tier: str | RateLimiter | None) -> None:
        """Switch the rate-limit tier ("basic", "advanced", ...) or turn limits off with None."""
        self.app.set_rate_limit(tier)

    def refuse_connections(self, seconds: float) -> None:
        """Refuse every connection for ``seconds`` (at most 60): the listening socket is closed, so a client
        gets ECONNREFUSED before sending anything (the one failure that proves a create was not sent);
        open keep-alive connections are closed too. Afterwards the sandbox listens again on the same port.

        Example:
            >>> sb.refuse_connections(0.5)    # doctest: +SKIP
        """
        from .limits import bounded_float

        seconds = bounded_float("seconds", seconds, low=0.0, high=60.0)
        if self._server is None or not self.running:
            raise RuntimeError("the sandbox is not running")
        self._server.refuse_connections(seconds)

    def wait_idle(self, timeout: float = 15.0) -> bool:
        """Wait until the sandbox is handling no API request; return False if one still is after ``timeout``.

        A request a client gave up on (a timeout under an injected latency) is still being handled: its
        order lands, and its entry joins ``requests``, only when it ends. Wait for that before counting.

        Example:
            >>> sb.wait_idle()                # doctest: +SKIP
            True
        """
        from .limits import bounded_float

        return self.app.wait_idle(bounded_float("timeout", timeout, low=0.0, high=600.0))

    # --- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> Sandbox:
        """Start serving in a daemon thread (idempotent); return self."""
        if self._thread is not None:
            return self
        if self._stopped:
            raise RuntimeError(
                "a stopped Sandbox cannot be restarted (its key file is gone); build a new one"
            )
        from .identity import Identity
        from .server import make_sandbox_server

        self._server = make_sandbox_server(self.app, self.host, self._requested_port)
        try:
            # The proof a client asks for before it treats this loopback URL as fake money (identity.py).
            self._identity = Identity.create(self.host, self.port)
        except BaseException:
            self._server.server_close()
            self._server = None
            raise
        self.app.identity = self._identity
        atexit.register(self._identity.remove)  # a process that exits without stop() leaves no file
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"kalshi-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        try:
            if self._ws_enabled:
                from .ws.server import WsServer

                self._ws = WsServer(
                    self.exchange,
                    self.app.keys,
                    host=self.host,
                    port=self._ws_port,
                    faults=self.ws_faults,
                    on_error=self._record_error,
                ).start()
                self.app.ws_server = self._ws
            if self._activity_rate:
                from .activity import Activity

                self._activity = Activity(self.exchange, self._activity_rate, self.seed).start()
        except BaseException:
            self._shutdown()
            raise
        return self

    def stop(self) -> None:
        """Stop the server, close its connections, delete the key file; then re-raise any server error."""
        self._shutdown()
        self.check()

    def _shutdown(self) -> None:
        activity, self._activity = self._activity, None
        if activity is not None:
            activity.stop()
        ws, self._ws = self._ws, None
        self.app.ws_server = None
        if ws is not None:
            ws.stop()
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
            thread.join(timeout=5)
        self._thread = None
        self._stopped = True
        identity, self._identity = self._identity, None
        if identity is not None:
            self.app.identity = None
            identity.remove()
            atexit.unregister(identity.remove)
        shutil.rmtree(self._key_dir, ignore_errors=True)

    def check(self) -> None:
        """Re-raise (once) the first exception raised inside the server since the last check."""
        with self._errors_lock:
            errors, self._errors = self._errors, []
        if errors:
            if len(errors) > 1:
                log.warning("%d more sandbox server error(s) after the first", len(errors) - 1)
            raise errors[0]

    def _record_error(self, exc: BaseException) -> None:
        with self._errors_lock:
            self._errors.append(exc)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._shutdown()
        if exc is None:  # never mask the with-block's own exception
            self.check()

    def __repr__(self) -> str:
        where = self.url if self._server is not None and self.running else "stopped"
        return f"<Sandbox seed={self.seed} {where}>"


def _pauses_by_default() -> bool:
    """The weekly pause is on unless ``KALSHI_NB_SANDBOX_PAUSES`` is 0/false/no/off (read here, not in the
    client's config: the sandbox imports nothing from the client side)."""
    import os

    return os.environ.get("KALSHI_NB_SANDBOX_PAUSES", "1").strip().lower() not in ("0", "false", "no", "off")


class _KeyGen:
    """A 2048-bit RSA key pair made in a daemon thread; ``result()`` waits for it and hands the PEMs over once
    (public SubjectPublicKeyInfo text, private PKCS#8 bytes). Nothing here is logged or kept after that."""

    def __init__(self) -> None:
        # Imported here, in the building thread: two threads importing at once can trip importlib's
        # deadlock detection, so the worker thread only computes.
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self._serialization, self._rsa = serialization, rsa
        self._pems: tuple[str, bytes] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kalshi-sandbox-keygen", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        serialization, rsa = self._serialization, self._rsa
        try:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            private = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            self._pems = (public.decode(), private)
        except Exception as exc:  # noqa: BLE001  (re-raised in the building thread by result())
            self._error = exc

    def result(self) -> tuple[str, bytes]:
        self._thread.join()
        pems, self._pems = self._pems, None
        if pems is None:
            raise self._error or RuntimeError("sandbox key generation produced no key")
        return pems

    def __repr__(self) -> str:
        return "<_KeyGen>"  # never the key
