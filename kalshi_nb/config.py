"""Environments, hosts and settings read from the environment (and a ``.env`` file).

This is the only module that knows Kalshi's URLs. Nothing here does I/O at import time: the ``.env`` file
is read the first time a setting is asked for, and it never overrides a variable that is already set.

Variables (all documented in ``.env.example``):

=============================== ==========================================================================
``KALSHI_API_KEY_ID``           the API key id (a UUID) shown when the key was created
``KALSHI_PRIVATE_KEY_PATH``     path of the private key file (PEM) downloaded with that key
``KALSHI_PRIVATE_KEY_PASSWORD`` the key file's password, only if the file is encrypted
``KALSHI_USE_DEMO``             ``true`` for the demo exchange, ``false`` (default) for production
``KALSHI_API_BASE``             overrides the base URL (e.g. the local sandbox); must end in ``/trade-api/v2``
=============================== ==========================================================================

Example:
    >>> from kalshi_nb import config
    >>> config.get_api_base(use_demo=True)
    'https://external-api.demo.kalshi.co/trade-api/v2'
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

API_PREFIX = "/trade-api/v2"

# The dedicated external-api hosts are the ones Kalshi recommends since May 2026 (kalshi-api.md section 1);
# the older shared hosts still work and can be reached through KALSHI_API_BASE.
PROD_API_BASE = "https://external-api.kalshi.com/trade-api/v2"
DEMO_API_BASE = "https://external-api.demo.kalshi.co/trade-api/v2"
LEGACY_PROD_API_BASE = "https://api.elections.kalshi.com/trade-api/v2"
LEGACY_DEMO_API_BASE = "https://demo-api.kalshi.co/trade-api/v2"

PROD_HOSTS = frozenset({"external-api.kalshi.com", "api.elections.kalshi.com"})
DEMO_HOSTS = frozenset({"external-api.demo.kalshi.co", "demo-api.kalshi.co"})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
KALSHI_DOMAINS = ("kalshi.com", "kalshi.co")
# How each environment is named to a person (banners, log lines).
ENV_LABELS = {"sandbox": "sandbox", "demo": "demo", "prod": "production"}

ENV_KEY_ID = "KALSHI_API_KEY_ID"
ENV_PRIVATE_KEY_PATH = "KALSHI_PRIVATE_KEY_PATH"
ENV_PRIVATE_KEY_PASSWORD = "KALSHI_PRIVATE_KEY_PASSWORD"
ENV_USE_DEMO = "KALSHI_USE_DEMO"
ENV_API_BASE = "KALSHI_API_BASE"
ENV_DATA_DIR = "KALSHI_NB_DATA_DIR"
ENV_LIVE_TRADING = "KALSHI_NB_LIVE_TRADING"
ENV_WS_URL = "KALSHI_WS_URL"
ENV_SANDBOX_ACTIVITY = "KALSHI_NB_SANDBOX_ACTIVITY"
DEFAULT_SANDBOX_ACTIVITY = 2.0  # simulation steps a second: a window's book moves every second or so
PROD_WS_URL = "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
DEMO_WS_URL = "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
WS_PATH = "/trade-api/ws/v2"
ENV_VARIABLES = (ENV_KEY_ID, ENV_PRIVATE_KEY_PATH, ENV_PRIVATE_KEY_PASSWORD, ENV_USE_DEMO, ENV_API_BASE)

_loaded_env_files: set[str] = set()
_env_lock = threading.Lock()


def load_env_file(path: str | os.PathLike[str] | None = None) -> str | None:
    """Load a ``.env`` file into ``os.environ`` without overriding variables that are already set.

    With no ``path``, the nearest ``.env`` from the current directory upwards is used (a notebook's working
    directory, not the package's). Each file is read once per process. Returns the file loaded, or None.

    Example:
        >>> load_env_file("/nonexistent/.env") is None
        True
    """
    from dotenv import find_dotenv, load_dotenv

    found = os.fspath(path) if path is not None else find_dotenv(usecwd=True)
    if not found or not os.path.isfile(found):
        return None
    resolved = os.path.realpath(found)
    with _env_lock:
        if resolved in _loaded_env_files:
            return resolved
        load_dotenv(resolved, override=False)
        _loaded_env_files.add(resolved)
    return resolved


def _env(name: str) -> str | None:
    """One variable after ``.env`` is loaded; empty or blank counts as unset."""
    load_env_file()
    value = os.environ.get(name)
    return value.strip() if value is not None and value.strip() else None


def get_use_demo() -> bool:
    """``KALSHI_USE_DEMO`` as a bool: ``true``/``false`` in any case; unset means production.

    Example:
        >>> os.environ["KALSHI_USE_DEMO"] = "TRUE"
        >>> get_use_demo()
        True
        >>> del os.environ["KALSHI_USE_DEMO"]
    """
    raw = _env(ENV_USE_DEMO)
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"{ENV_USE_DEMO} must be 'true' or 'false' (any case), got {raw!r}")
    return lowered == "true"


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")


def _refuse(source: str, url: object, why: str) -> ValueError:
    return ValueError(f"{source} {why}; give a URL like {PROD_API_BASE} (got {url!r})")


def validate_api_base(url: str, *, source: str = "api_base") -> str:
    """Check an API base URL and return it without a trailing slash; anything ambiguous is refused.

    The URL decides which exchange gets the request, so it must mean the same thing to every parser on the
    way (``urllib.parse``, urllib3, the resolver): no userinfo (``@``), backslashes, whitespace, control or
    non-ASCII characters, percent-escapes or dot segments, no query or fragment; ``https`` (``http`` only
    for a loopback host); a plain host name, a dotted-quad IPv4 or a bracketed IPv6 address; and a path
    ending in ``/trade-api/v2`` (the signature covers the full path).

    Example:
        >>> validate_api_base("http://127.0.0.1:8000/trade-api/v2/")
        'http://127.0.0.1:8000/trade-api/v2'
        >>> validate_api_base("https://external-api.kalshi.com" + chr(92) + "@127.0.0.1/trade-api/v2")
        Traceback (most recent call last):
        ...
        ValueError: api_base must not contain a backslash; give a URL like https://external-api.kalshi.com/trade-api/v2 (got 'https://external-api.kalshi.com\\\\@127.0.0.1/trade-api/v2')
    """
    if not isinstance(url, str) or not url:
        raise _refuse(source, url, f"must be a URL ending in {API_PREFIX}")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise _refuse(source, url, "must not contain whitespace or control characters")
    if not url.isascii():
        raise _refuse(source, url, "must be plain ASCII (write an international host name in its xn-- form)")
    for bad, what in (
        ("\\", "a backslash"),
        ("@", "user info ('@')"),
        ("%", "percent-escapes"),
        ("?", "a query string"),
        ("#", "a fragment"),
    ):
        if bad in url:
            raise _refuse(source, url, f"must not contain {what}")
    cleaned = url.rstrip("/")
    parts = urlsplit(cleaned)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc or not cleaned.lower().startswith(scheme + "://"):
        raise _refuse(source, url, f"must be an https URL ending in {API_PREFIX}")
    try:
        host, port = (parts.hostname or ""), parts.port
    except ValueError:
        raise _refuse(source, url, "has an invalid port") from None
    if not _valid_host(host, parts.netloc):
        raise _refuse(source, url, "must name a plain host (a DNS name, a dotted-quad IPv4 or [IPv6])")
    if port == 0:
        raise _refuse(source, url, "has an invalid port")
    if scheme == "http" and not is_loopback_host(host):
        raise _refuse(source, url, "must use https (http is only for a local sandbox on 127.0.0.1)")
    if not (is_loopback_host(host) or is_kalshi_host(host)):
        # Signed requests carry the key id and a signature: they go only to Kalshi or to this machine. A
        # .env anywhere above the working directory could otherwise send them to any host.
        raise _refuse(
            source,
            url,
            f"names {host!r}, which is not a Kalshi host (*.kalshi.com, *.kalshi.co) or "
            "this machine; kalshi_nb sends signed requests nowhere else",
        )
    segments = parts.path.split("/")
    if any(seg in (".", "..") for seg in segments) or "//" in parts.path:
        raise _refuse(source, url, "must not contain dot segments or empty segments in its path")
    if not parts.path.endswith(API_PREFIX):
        raise _refuse(source, url, f"must end in {API_PREFIX}")
    return f"{scheme}://{parts.netloc.lower()}{parts.path}"


def _valid_host(host: str, netloc: str) -> bool:
    if netloc.startswith("["):
        try:
            return ipaddress.ip_address(host).version == 6
        except ValueError:
            return False
    if ":" in host or not host or host.endswith("."):
        return False
    labels = host.split(".")
    if not all(_HOST_LABEL.match(label) for label in labels):
        return False
    # A numeric last label is an address: only the dotted quad, never 127.1 or 0x7f.1 (resolvers read
    # those shorthand forms differently from our own checks).
    return not labels[-1].isdigit() or bool(_IPV4.match(host))


def is_kalshi_host(host: str) -> bool:
    """True for Kalshi's own domains (``kalshi.com``, ``kalshi.co`` and their subdomains).

    Example:
        >>> is_kalshi_host("external-api.kalshi.com"), is_kalshi_host("kalshi.com.evil.example")
        (True, False)
    """
    host = host.lower()
    return any(host == d or host.endswith("." + d) for d in KALSHI_DOMAINS)


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1).

    Example:
        >>> is_loopback_host("127.0.0.1"), is_loopback_host("127.0.0.1.nip.io")
        (True, False)
    """
    host = host.lower().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def get_api_base(use_demo: bool | None = None) -> str:
    """The API base URL: ``KALSHI_API_BASE`` if set, else the demo or production host.

    ``use_demo`` None reads ``KALSHI_USE_DEMO``.

    Example:
        >>> get_api_base(use_demo=False)  # with KALSHI_API_BASE unset
        'https://external-api.kalshi.com/trade-api/v2'
    """
    override = _env(ENV_API_BASE)
    if override is not None:
        return validate_api_base(override, source=ENV_API_BASE)
    if use_demo is None:
        use_demo = get_use_demo()
    return DEMO_API_BASE if use_demo else PROD_API_BASE


def base_for_env(env: str) -> str:
    """The recommended base URL of ``"prod"`` or ``"demo"`` (ignores ``KALSHI_API_BASE``).

    Example:
        >>> base_for_env("demo")
        'https://external-api.demo.kalshi.co/trade-api/v2'
    """
    bases = {"prod": PROD_API_BASE, "production": PROD_API_BASE, "demo": DEMO_API_BASE}
    try:
        return bases[env.lower()]
    except (KeyError, AttributeError):
        raise ValueError(f"env must be 'prod' or 'demo', got {env!r}") from None


def environment_of(api_base: str, *, sandbox_proven: bool = False) -> str:
    """Name the environment a (validated) base URL points at: ``prod``, ``demo`` or ``sandbox``.

    Only Kalshi's documented demo hosts are ``demo``. A loopback URL is ``sandbox`` (the fake-money sandbox)
    only once the sandbox at that address has proved it is one (``sandbox_proven``, see
    ``kalshi_nb.envcheck``): a loopback port may just as well be a proxy in front of production. Every
    other host is ``prod``, so every production guard applies to it.

    Example:
        >>> environment_of("https://api.elections.kalshi.com/trade-api/v2")
        'prod'
        >>> environment_of("http://127.0.0.1:8000/trade-api/v2")
        'prod'
    """
    host = (urlsplit(api_base).hostname or "").lower()
    if host in DEMO_HOSTS:
        return "demo"
    if sandbox_proven and is_loopback_host(host):
        return "sandbox"
    return "prod"


def data_dir() -> Path:
    """The folder where kalshi_nb keeps its own files (the order journal, sandbox identities).

    ``KALSHI_NB_DATA_DIR`` if set, else the user's data folder (``platformdirs``). Created on first use
    (mode 0700: it says which orders were sent).

    Example:
        >>> data_dir().is_dir()
        True
    """
    raw = os.environ.get(ENV_DATA_DIR)
    if raw and raw.strip():
        path = Path(raw.strip()).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("kalshi_nb", appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def get_key_id() -> str | None:
    """``KALSHI_API_KEY_ID``, or None when unset."""
    return _env(ENV_KEY_ID)


def get_private_key_path() -> str | None:
    """``KALSHI_PRIVATE_KEY_PATH`` with ``~`` expanded, or None when unset."""
    raw = _env(ENV_PRIVATE_KEY_PATH)
    return os.path.expanduser(raw) if raw is not None else None


def get_private_key_password() -> str | None:
    """``KALSHI_PRIVATE_KEY_PASSWORD``, or None when unset. Never logged or shown."""
    load_env_file()
    # Not stripped: a password may legitimately start or end with spaces.
    value = os.environ.get(ENV_PRIVATE_KEY_PASSWORD)
    return value if value else None


def has_credentials() -> bool:
    """True when both the key id and the key path are configured.

    Example:
        >>> has_credentials() in (True, False)
        True
    """
    return get_key_id() is not None and get_private_key_path() is not None


def get_ws_url(api_base: str | None = None, *, ws_url: str | None = None) -> str:
    """The WebSocket URL that belongs with an API base: Kalshi's for prod and demo, the sandbox's for loopback.

    A loopback (sandbox) base has its feed on another port, so it comes from ``ws_url`` (a client's
    ``ws_url`` attribute) or ``KALSHI_WS_URL``; that URL must itself be loopback and end in
    ``/trade-api/ws/v2``, since the upgrade request is signed with the key.

    Example:
        >>> get_ws_url("https://external-api.demo.kalshi.co/trade-api/v2")
        'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2'
        >>> get_ws_url("http://127.0.0.1:8000/trade-api/v2", ws_url="ws://127.0.0.1:8001/trade-api/ws/v2")
        'ws://127.0.0.1:8001/trade-api/ws/v2'
    """
    base = api_base if api_base is not None else get_api_base()
    host = (urlsplit(base).hostname or "").lower()
    if host in DEMO_HOSTS:
        return DEMO_WS_URL
    if host in PROD_HOSTS:
        return PROD_WS_URL
    if is_loopback_host(host):
        url = ws_url or _env(ENV_WS_URL)
        if not url:
            raise ValueError(
                f"no WebSocket URL for the sandbox at {base}: set {ENV_WS_URL} (python -m kalshi_nb.sandbox "
                "--write-env writes it) or pass ws_url=Sandbox.ws_url"
            )
        parts = urlsplit(url)
        local = parts.scheme in ("ws", "wss") and is_loopback_host(parts.hostname or "")
        if not local or parts.path.rstrip("/") != WS_PATH:
            # The upgrade is signed with the key: it may go only to Kalshi or to this machine.
            raise ValueError(
                f"a sandbox feed URL must be ws://127.0.0.1:PORT{WS_PATH} on this machine (got {url!r}; "
                f"from ws_url= or {ENV_WS_URL})"
            )
        return url
    raise ValueError(f"no known WebSocket URL for {base}; only Kalshi's hosts and this machine have one")


def sandbox_activity_rate() -> float:
    """How fast ``connect()``'s sandbox simulates trading (steps a second; 0 turns it off).

    ``KALSHI_NB_SANDBOX_ACTIVITY`` if set (the test suite sets 0, so results never depend on the
    simulation), else ``DEFAULT_SANDBOX_ACTIVITY``.

    Example:
        >>> 0 <= sandbox_activity_rate() <= 1000
        True
    """
    raw = _env(ENV_SANDBOX_ACTIVITY)
    if raw is None:
        return DEFAULT_SANDBOX_ACTIVITY
    try:
        rate = float(raw)
    except ValueError:
        raise ValueError(
            f"{ENV_SANDBOX_ACTIVITY} must be a number of steps a second (0 turns it off), got {raw!r}"
        ) from None
    if not 0 <= rate <= 1000:
        raise ValueError(f"{ENV_SANDBOX_ACTIVITY} must be between 0 and 1000, got {raw!r}")
    return rate
