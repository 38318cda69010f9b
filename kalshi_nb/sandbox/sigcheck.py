"""Verifying Kalshi's ``KALSHI-ACCESS-*`` request headers, the sandbox's own way, plus the key registry.

The documented form (``../shared/kalshi-api.md`` section 2) is the only one accepted: the signature is
base64 of RSA-PSS (SHA-256, MGF1-SHA-256, any valid salt length) or Ed25519 over
``timestamp_ms + METHOD + path``, where ``path`` is the full URL path including ``/trade-api/v2`` and
without the query string. This module deliberately imports nothing from the client side of kalshi_nb,
so a signing bug in the client fails the tests instead of being mirrored here.

When a signature does not verify, the common mistakes are tried on purpose (query string signed,
``/trade-api/v2`` missing, lowercase method, host included, PKCS#1 v1.5) so the 401 message can name
the cause.

Kalshi documents a PSS salt of the digest length (32 bytes), but many working clients sign with
``salt_length=MAX_LENGTH`` and a standard PSS verifier accepts any salt length, so the sandbox does too
(live behaviour UNCONFIRMED; DESIGN.md).

Example:
    >>> registry = KeyRegistry()
    >>> registry.add("key-1", public_pem, user_id="user-1")            # doctest: +SKIP
    >>> entry = verify_request(registry, method="GET", raw_path="/trade-api/v2/portfolio/balance",
    ...                        query_string="", headers=request.headers)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from .errors import SandboxError


class Headers(Protocol):
    """What the checks read from request headers: a dict, or werkzeug's case-insensitive ``Headers``."""

    def get(self, key: str, /) -> str | None: ...


API_PREFIX = "/trade-api/v2"
HEADER_KEY = "KALSHI-ACCESS-KEY"
HEADER_TIMESTAMP = "KALSHI-ACCESS-TIMESTAMP"
HEADER_SIGNATURE = "KALSHI-ACCESS-SIGNATURE"
AUTH_HEADERS = (HEADER_KEY, HEADER_TIMESTAMP, HEADER_SIGNATURE)

# UNCONFIRMED for REST: Kalshi documents 30 s only for FIX ("SendingTime must be within 30 seconds").
MAX_SKEW_SECONDS = 30.0
# Any millisecond timestamp after March 1973 exceeds 1e11; any seconds timestamp before year 5138 is below.
_MILLIS_FLOOR = 10**11

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

# AUTO: the verifier reads the salt length from the signature, so any valid salt length verifies.
_PSS_ANY_SALT = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)


def auth_error(message: str) -> SandboxError:
    """The 401 every authentication failure answers with (the ``code`` is UNCONFIRMED live)."""
    return SandboxError(401, "authentication_error", message)


@dataclass(frozen=True)
class KeyEntry:
    """One registered API key: its id, the account it acts for, and its public key."""

    key_id: str
    user_id: str
    public_key: PublicKey = field(repr=False, compare=False)

    @property
    def key_type(self) -> str:
        return "ed25519" if isinstance(self.public_key, ed25519.Ed25519PublicKey) else "rsa"


def load_public_key(pem: str | bytes) -> PublicKey:
    """Parse a PEM public key (RSA or Ed25519); raise ``ValueError`` for anything else.

    Private keys are refused on purpose: the sandbox only ever needs the public half.

    Example:
        >>> load_public_key(open("key.pub.pem").read())  # doctest: +SKIP
    """
    data = pem.encode() if isinstance(pem, str) else bytes(pem)
    if b"PRIVATE KEY" in data:
        raise ValueError("expected a PUBLIC key PEM; the sandbox never needs the private key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a PEM public key: {type(exc).__name__}") from None
    if isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        return key
    raise ValueError(f"unsupported key type {type(key).__name__}; Kalshi keys are RSA or Ed25519")


class KeyRegistry:
    """Thread-safe mapping ``key_id -> KeyEntry``.

    Example:
        >>> reg = KeyRegistry(); reg.add("k1", pem, user_id="u1")  # doctest: +SKIP
        >>> reg.get("k1").user_id                                   # doctest: +SKIP
        'u1'
    """

    def __init__(self) -> None:
        self._keys: dict[str, KeyEntry] = {}
        self._lock = threading.Lock()

    def add(self, key_id: str, public_key: str | bytes | PublicKey, *, user_id: str) -> KeyEntry:
        if not isinstance(key_id, str) or not key_id.strip():
            raise ValueError("key_id must be a non-empty string")
        if not isinstance(public_key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
            public_key = load_public_key(public_key)
        entry = KeyEntry(key_id=key_id, user_id=user_id, public_key=public_key)
        with self._lock:
            self._keys[key_id] = entry
        return entry

    def get(self, key_id: str) -> KeyEntry | None:
        return self._keys.get(key_id)

    def entries(self) -> list[KeyEntry]:
        with self._lock:
            return list(self._keys.values())

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"<KeyRegistry {len(self._keys)} keys>"


def has_auth_headers(headers: Headers) -> bool:
    """True if the request carries any ``KALSHI-ACCESS-*`` header (then all three are verified)."""
    return any(headers.get(name) is not None for name in AUTH_HEADERS)


def verify_request(
    registry: KeyRegistry,
    *,
    method: str,
    raw_path: str,
    query_string: str,
    headers: Headers,
    decoded_path: str | None = None,
    host: str | None = None,
    clock: Callable[[], float] = time.time,
) -> KeyEntry:
    """Check the three auth headers of one request; return the key's entry or raise a 401 ``SandboxError``.

    ``raw_path`` is the path exactly as sent (percent-encoded, no query); ``decoded_path`` is the
    percent-decoded form, also accepted since clients differ in what they quote. ``clock`` is the real
    wall clock (clients sign with theirs), not the exchange's simulated time.

    Example:
        >>> verify_request(reg, method="GET", raw_path="/trade-api/v2/portfolio/balance",
        ...                query_string="", headers=hdrs)  # doctest: +SKIP
    """
    values = {name: headers.get(name) for name in AUTH_HEADERS}
    missing = [name for name, value in values.items() if value is None or not str(value).strip()]
    if missing:
        raise auth_error(
            f"missing header(s) {', '.join(missing)}: signed requests need {', '.join(AUTH_HEADERS)}"
        )
    key_id = str(values[HEADER_KEY]).strip()
    ts_text = str(values[HEADER_TIMESTAMP]).strip()
    sig_text = str(values[HEADER_SIGNATURE]).strip()

    if not ts_text.isascii() or not ts_text.isdigit():
        raise auth_error(
            f"{HEADER_TIMESTAMP} must be the Unix time in milliseconds as decimal digits, got {ts_text[:40]!r}"
        )
    ts = int(ts_text)
    if ts < _MILLIS_FLOOR:
        raise auth_error(
            f"{HEADER_TIMESTAMP} {ts_text} looks like seconds; send milliseconds ({ts_text}000 style, "
            "e.g. str(int(time.time() * 1000)))"
        )

    entry = registry.get(key_id)
    if entry is None:
        raise auth_error(
            f"unknown API key id {key_id[:64]!r}; register its public key with the sandbox "
            "(Sandbox.register_key, POST /_sandbox/keys, or --key-id/--public-key)"
        )

    try:
        signature = base64.b64decode(sig_text, validate=True)
    except (binascii.Error, ValueError):
        raise auth_error(f"{HEADER_SIGNATURE} is not valid standard base64") from None

    paths = [raw_path] if decoded_path in (None, raw_path) else [raw_path, decoded_path]
    upper = method.upper()
    if not any(_verifies(entry.public_key, signature, f"{ts_text}{upper}{p}") for p in paths):
        raise auth_error(_diagnose(entry, signature, ts_text, upper, paths, query_string, host))

    skew = abs(ts / 1000.0 - clock())
    if skew > MAX_SKEW_SECONDS:
        raise auth_error(
            f"{HEADER_TIMESTAMP} is {skew:.1f} s away from the server clock; at most "
            f"{MAX_SKEW_SECONDS:.0f} s of clock skew is accepted (sync your clock, sign each attempt afresh)"
        )
    return entry


def _verifies(key: PublicKey, signature: bytes, message: str) -> bool:
    data = message.encode("utf-8")
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            key.verify(signature, data, _PSS_ANY_SALT, hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def _diagnose(
    entry: KeyEntry,
    signature: bytes,
    ts: str,
    method: str,
    paths: list[str],
    query_string: str,
    host: str | None,
) -> str:
    """Name the mistake behind a signature that does not verify, by trying the usual wrong messages."""
    key = entry.public_key
    path = paths[0]
    documented = f"{ts}{method}{path}"

    def any_path(build: Callable[[str], str]) -> bool:
        return any(_verifies(key, signature, build(p)) for p in paths)

    if query_string and any_path(lambda p: f"{ts}{method}{p}?{query_string}"):
        return (
            "the signature covers the query string; sign timestamp + method + path WITHOUT '?...' "
            f"(here {path!r})"
        )
    short = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else None
    if short is not None:
        short_paths = [p[len(API_PREFIX) :] for p in paths if p.startswith(API_PREFIX)]
        with_query = [f"{p}?{query_string}" for p in short_paths] if query_string else []
        if any(_verifies(key, signature, f"{ts}{method}{p}") for p in short_paths + with_query):
            return (
                f"the signature covers {short!r} without the {API_PREFIX!r} prefix; sign the full path "
                f"from the host root, {path!r}"
            )
    if any_path(lambda p: f"{ts}{method.lower()}{p}"):
        return f"the signature uses a lowercase method; sign the uppercase method {method!r}"
    if host and any(
        _verifies(key, signature, f"{ts}{method}{scheme}://{host}{p}")
        for scheme in ("http", "https")
        for p in paths
    ):
        return f"the signature includes the scheme and host; sign only the path {path!r}"
    if isinstance(key, rsa.RSAPublicKey):
        try:
            key.verify(signature, documented.encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            pass
        else:
            return (
                "the signature is RSA PKCS#1 v1.5; Kalshi requires RSA-PSS (SHA-256, MGF1-SHA-256, salt 32)"
            )
    algorithm = "Ed25519" if entry.key_type == "ed25519" else "RSA-PSS SHA-256 (MGF1-SHA-256, salt length 32)"
    return (
        f"the signature does not verify for key {entry.key_id!r}: sign timestamp + METHOD + path, e.g. "
        f"'{ts}{method}{path}', with {algorithm}, base64-encoded"
    )
