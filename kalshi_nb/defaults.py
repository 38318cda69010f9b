"""The default client: ``kalshi_nb.connect()``, the notebook entry point, builds one and remembers it.

``connect()`` with no argument uses the configured credentials when there are any; otherwise it starts the
in-package sandbox exchange (fake money, 127.0.0.1) and says so in one log line. ``connect("prod")``,
``connect("demo")`` and ``connect("sandbox")`` choose explicitly. Nothing here places orders: the client
only trades when its ``place_order`` is called (and issue 5's order ticket adds confirmation on top).

Example:
    >>> import kalshi_nb
    >>> client = kalshi_nb.connect("sandbox")
    >>> kalshi_nb.default_client() is client
    True
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from . import config
from .auth import load_generated_key, redact
from .client import KalshiClient

log = logging.getLogger("kalshi_nb")

ENVS = ("prod", "demo", "sandbox")

_lock = threading.Lock()
_default: KalshiClient | None = None
_sandbox: Any = None  # the Sandbox started by connect(), stopped when replaced or at exit


def connect(env: str | None = None, *, read_only: bool = False, **client_kwargs: Any) -> KalshiClient:
    """Build a client for ``"prod"``, ``"demo"`` or ``"sandbox"`` and set it as the default.

    - ``env=None``: the configured credentials (``KALSHI_API_KEY_ID``/``KALSHI_PRIVATE_KEY_PATH``, honouring
      ``KALSHI_USE_DEMO`` and ``KALSHI_API_BASE``) when both are set, else the local sandbox.
    - ``"prod"``/``"demo"``: Kalshi's recommended host for that environment (``KALSHI_API_BASE`` is not
      consulted); credentials come from the environment unless ``read_only=True``.
    - ``"sandbox"``: a fresh local sandbox exchange with its own generated key.

    ``client_kwargs`` go to ``KalshiClient`` (timeout, retry, rate_limit, ...).

    Example:
        >>> client = connect("demo", read_only=True)
        >>> client.env
        'demo'
    """
    if env is not None and (not isinstance(env, str) or env.lower() not in ENVS):
        raise ValueError(f"env must be one of {', '.join(ENVS)} or None, got {env!r}")
    env = env.lower() if env else None
    if env is None and not read_only:
        _check_credential_pair()
    sandbox = None
    if env == "sandbox" or (env is None and not read_only and not config.has_credentials()):
        client, sandbox = _sandbox_client(client_kwargs)
        if env is None:
            _notice(
                "sandbox",
                f"kalshi_nb: no Kalshi credentials configured, so using the local sandbox exchange at "
                f"{client.api_base} (fake money).",
                "Set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH (see .env.example) "
                "or call connect('demo') / connect('prod') for the real API.",
                hint="See .env.example to use your account.",
            )
        else:
            log.info("kalshi_nb: local sandbox exchange at %s (fake money)", client.api_base)
    elif env is None:
        client = KalshiClient(read_only=read_only, **client_kwargs)
    else:
        client = KalshiClient(api_base=config.base_for_env(env), read_only=read_only, **client_kwargs)
    if sandbox is None:
        who = "read-only (no key)" if client.is_read_only else f"key {redact(client.key_id)}"
        label = config.ENV_LABELS.get(client.env, client.env)
        real = " (real money)" if client.env == "prod" else ""
        _notice(client.env, f"kalshi_nb: {label} exchange at {client.api_base}, {who}{real}")
    _set_default(client, sandbox)
    return client


def _notice(env: str, text: str, detail: str = "", *, hint: str | None = None) -> None:
    """Say which exchange ``connect()`` chose: in a notebook a calm one-line block (a warning on stderr reads
    as an error there) ending with ``hint`` (default: ``detail``), anywhere else one log line."""
    from .display.notebook import in_kernel, show_html  # light: imports neither IPython nor pandas

    line = f"{text} {detail}".strip()
    if in_kernel():
        from .display.notice import notice_html

        short = detail if hint is None else hint
        show_html(notice_html(env, text, detail=short), f"{text} {short}".strip())
        log.info("%s", line)  # still there for whoever configured logging
    else:
        log.warning("%s", line)


def _check_credential_pair() -> None:
    """One of the two credential variables without the other is a mistake, not a reason to use the sandbox."""
    key_id, path = config.get_key_id(), config.get_private_key_path()
    if (key_id is None) != (path is None):
        have, missing = (
            (config.ENV_KEY_ID, config.ENV_PRIVATE_KEY_PATH)
            if path is None
            else (config.ENV_PRIVATE_KEY_PATH, config.ENV_KEY_ID)
        )
        raise ValueError(
            f"{have} is set but {missing} is not: set both (see .env.example), or unset {have} to use "
            "the local sandbox"
        )


def default_client() -> KalshiClient:
    """The client set by the last ``connect()`` (or ``set_default_client``).

    Example:
        >>> _ = connect("sandbox")
        >>> default_client()   # doctest: +ELLIPSIS
        <KalshiClient sandbox http://127.0.0.1:.../trade-api/v2 key=...>
    """
    if _default is None:
        raise RuntimeError("no default client yet: call kalshi_nb.connect() first (or pass client=...)")
    return _default


def set_default_client(client: KalshiClient | None) -> None:
    """Make ``client`` the default used by helpers called without ``client=`` (None clears it).

    A sandbox started by ``connect()`` keeps running while the default client still points at it.
    """
    sandbox = _sandbox
    keep = sandbox is not None and client is not None and client.api_base == sandbox.url
    _set_default(client, sandbox if keep else None)


def current_sandbox() -> Any:
    """The sandbox started by ``connect()`` for the default client, or None (for its controls)."""
    return _sandbox


def _set_default(client: KalshiClient | None, sandbox: Any) -> None:
    global _default, _sandbox
    with _lock:
        old, _sandbox, _default = _sandbox, sandbox, client
    # A re-run connect() cell must not leave the previous local server running.
    if old is not None and old is not sandbox:
        _stop(old)


def _sandbox_client(client_kwargs: dict[str, Any]) -> tuple[KalshiClient, Any]:
    from .sandbox import Sandbox

    # Its markets move on their own (a seeded simulation), as a live market does, unless turned off.
    sandbox = Sandbox(activity=config.sandbox_activity_rate()).start()
    try:
        client = KalshiClient(
            key_id=sandbox.key_id,
            # Its own fresh key: loaded without the RSA validation that a user's key file gets (auth.py).
            private_key=load_generated_key(sandbox.private_key_path),
            api_base=sandbox.url,
            **client_kwargs,
        )
        client.ws_url = sandbox.ws_url  # the feed's port (kn.stream reads it)
    except BaseException:
        _stop(sandbox)
        raise
    return client, sandbox


def _stop(sandbox: Any) -> None:
    try:
        sandbox.stop()
    except Exception:  # a server error surfacing at shutdown must not break the caller's new connection
        log.exception("kalshi_nb: the previous sandbox reported an error while stopping")


@atexit.register
def _stop_sandbox_at_exit() -> None:
    if _sandbox is not None:
        _stop(_sandbox)
