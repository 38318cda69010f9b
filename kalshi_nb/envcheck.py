"""Proving that a loopback URL is the in-package sandbox before it is trusted as fake money.

A loopback port can be anything: the sandbox, or a proxy that forwards to production. The sandbox writes a
random secret to ``<data_dir>/sandbox/<host>_<port>.secret`` when it starts listening and answers
``GET /_sandbox/identity?nonce=N`` with ``HMAC-SHA256(secret, N)``. Only a server that knows the secret
written for that port can answer, so a proxy to Kalshi (which has no such route, and no secret) stays
production with every guard on.

Example:
    >>> from kalshi_nb.sandbox import Sandbox
    >>> with Sandbox() as sb:
    ...     prove_sandbox(sb.url)
    True
    >>> prove_sandbox("https://external-api.kalshi.com/trade-api/v2")
    False
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import requests

from . import config

log = logging.getLogger(__name__)

IDENTITY_PATH = "/_sandbox/identity"
_LOOPBACK_ALIASES = ("127.0.0.1", "localhost", "::1")


def secret_file(host: str, port: int) -> Path:
    """Where the sandbox listening on ``host:port`` keeps its identity secret."""
    return config.data_dir() / "sandbox" / f"{host.strip('[]')}_{port}.secret"


def _secrets_for(host: str, port: int) -> list[bytes]:
    # The proof authenticates the server, so the secret of any loopback alias on the same port may be
    # tried: a wrong one just fails the HMAC.
    found = []
    for name in dict.fromkeys((host.strip("[]"), *_LOOPBACK_ALIASES)):
        try:
            found.append(bytes.fromhex(secret_file(name, port).read_text().strip()))
        except (OSError, ValueError):
            continue
    return found


def prove_sandbox(api_base: str, *, session: requests.Session | None = None, timeout: float = 2.0) -> bool:
    """True only if the server behind the loopback ``api_base`` proves it is the in-package sandbox.

    Any failure (not loopback, no secret file, no answer, a wrong proof) is False: treated as production.
    """
    parts = urlsplit(api_base)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    if not config.is_loopback_host(host):
        return False
    keys = _secrets_for(host, port)
    if not keys:
        return False
    nonce = secrets.token_hex(16)
    http = session or requests
    try:
        response = http.get(
            f"{parts.scheme}://{parts.netloc}{IDENTITY_PATH}",
            params={"nonce": nonce},
            timeout=timeout,
            allow_redirects=False,
        )
        proof = response.json().get("proof") if response.status_code == 200 else None
    except (requests.RequestException, ValueError, AttributeError):
        return False
    if not isinstance(proof, str):
        return False
    expected = [hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest() for key in keys]
    return any(hmac.compare_digest(proof, e) for e in expected)
