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

import os
import threading
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

ENV_KEY_ID = "KALSHI_API_KEY_ID"
ENV_PRIVATE_KEY_PATH = "KALSHI_PRIVATE_KEY_PATH"
ENV_PRIVATE_KEY_PASSWORD = "KALSHI_PRIVATE_KEY_PASSWORD"
ENV_USE_DEMO = "KALSHI_USE_DEMO"
ENV_API_BASE = "KALSHI_API_BASE"
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
        >>> get_use_demo()  # with KALSHI_USE_DEMO=TRUE
        True
    """
    raw = _env(ENV_USE_DEMO)
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"{ENV_USE_DEMO} must be 'true' or 'false' (any case), got {raw!r}")
    return lowered == "true"


def validate_api_base(url: str, *, source: str = "api_base") -> str:
    """Check an API base URL and return it without a trailing slash.

    It must be an http(s) URL whose path ends in ``/trade-api/v2``: the signature covers the full path, so
    a base without the prefix would sign the wrong message.

    Example:
        >>> validate_api_base("http://127.0.0.1:8000/trade-api/v2/")
        'http://127.0.0.1:8000/trade-api/v2'
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{source} must be a URL ending in {API_PREFIX}, got {url!r}")
    cleaned = url.strip().rstrip("/")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{source} must be an http(s) URL ending in {API_PREFIX}, got {url!r}")
    if parts.query or parts.fragment or not parts.path.endswith(API_PREFIX):
        raise ValueError(
            f"{source} must end in {API_PREFIX} (e.g. {PROD_API_BASE}), got {url!r}"
        )
    return cleaned


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


def environment_of(api_base: str) -> str:
    """Name the environment a base URL points at: ``prod``, ``demo``, ``local`` or ``custom``.

    Example:
        >>> environment_of("https://api.elections.kalshi.com/trade-api/v2")
        'prod'
    """
    host = (urlsplit(api_base).hostname or "").lower()
    if host in PROD_HOSTS:
        return "prod"
    if host in DEMO_HOSTS:
        return "demo"
    if host in LOCAL_HOSTS:
        return "local"
    return "custom"


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


def missing_credentials() -> list[str]:
    """The names of the credential variables that are not set, in a fixed order."""
    missing = []
    if get_key_id() is None:
        missing.append(ENV_KEY_ID)
    if get_private_key_path() is None:
        missing.append(ENV_PRIVATE_KEY_PATH)
    return missing


def __getattr__(name: str) -> object:
    # The issue places load_private_key under configuration; it lives in auth.py (next to the signing
    # code that uses the key) and is reachable here lazily, so config.py imports nothing above it.
    if name == "load_private_key":
        from .auth import load_private_key

        return load_private_key
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
