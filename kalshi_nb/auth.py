"""Request signing as a ``requests`` auth object, and loading private keys.

Kalshi signs ``timestamp_ms + METHOD + path`` where ``path`` is the full URL path (including
``/trade-api/v2``) without the query string: RSA-PSS with SHA-256, MGF1-SHA-256 and a salt as long as the
digest, or plain Ed25519 for Ed25519 keys (``kalshi-api.md`` section 2).

``KalshiAuth`` runs when ``requests`` prepares a request, after the URL is final, so the signed path cannot
drift from the one sent; and every prepared request gets a fresh timestamp, so a retry is re-signed.

Example:
    >>> key = load_private_key(sb.private_key_path)          # a sandbox's throwaway key
    >>> requests.get(sb.url + "/portfolio/balance", auth=KalshiAuth(sb.key_id, key), timeout=5).status_code
    200
"""

from __future__ import annotations

import base64
import contextlib
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from requests.auth import AuthBase

from . import config
from .errors import PrivateKeyError

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

HEADER_KEY = "KALSHI-ACCESS-KEY"
HEADER_TIMESTAMP = "KALSHI-ACCESS-TIMESTAMP"
HEADER_SIGNATURE = "KALSHI-ACCESS-SIGNATURE"

# DIGEST_LENGTH (32 bytes) is what every official sample uses; whether MAX_LENGTH is accepted is UNCONFIRMED.
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def redact(value: str | None, keep: int = 4) -> str:
    """Show only the first and last ``keep`` characters of an identifier.

    Example:
        >>> redact("a952bcbe-ec3b-4b5b-b8f9-11dae589608c")
        'a952…608c'
    """
    if not value:
        return "<none>"
    if len(value) <= 3 * keep:
        return "…"
    return f"{value[:keep]}…{value[-keep:]}"


def sign_message(private_key: PrivateKey, message: bytes) -> bytes:
    """Sign raw bytes the way Kalshi verifies them (RSA-PSS SHA-256 salt 32, or Ed25519).

    Example:
        >>> key = load_private_key(sb.private_key_path)
        >>> len(sign_message(key, b"1703123456789GET/trade-api/v2/portfolio/balance"))   # RSA-2048: 256 bytes
        256
    """
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(message)
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(message, _PSS, hashes.SHA256())
    raise TypeError(f"unsupported key type {type(private_key).__name__}; Kalshi keys are RSA or Ed25519")


def signature_for(private_key: PrivateKey, method: str, path: str, timestamp: str | int) -> str:
    """Base64 signature of ``timestamp + METHOD + path``; a query string on ``path`` is dropped.

    Example:
        >>> key = load_private_key(sb.private_key_path)
        >>> a = signature_for(key, "get", "/trade-api/v2/portfolio/orders?limit=5", 1703123456789)
        >>> b = signature_for(key, "GET", "/trade-api/v2/portfolio/orders", 1703123456789)
        >>> len(a) == len(b) == 344   # base64 of 256 bytes; the query string is not signed
        True
    """
    path = path.split("?", 1)[0]
    message = f"{timestamp}{method.upper()}{path}".encode()
    return base64.b64encode(sign_message(private_key, message)).decode("ascii")


class KalshiAuth(AuthBase):
    """Adds ``KALSHI-ACCESS-KEY``, ``-TIMESTAMP`` and ``-SIGNATURE`` to a prepared request.

    ``clock`` returns Unix seconds (injectable for tests). The repr shows only a redacted key id.

    Example:
        >>> auth = KalshiAuth(sb.key_id, load_private_key(sb.private_key_path))
        >>> requests.get(sb.url + "/portfolio/balance", auth=auth, allow_redirects=False, timeout=5).ok
        True
    """

    def __init__(
        self, key_id: str, private_key: PrivateKey, *, clock: Callable[[], float] = time.time
    ) -> None:
        if not isinstance(key_id, str) or not key_id.strip():
            raise ValueError(f"key_id must be a non-empty string ({config.ENV_KEY_ID})")
        if not isinstance(private_key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
            raise TypeError(
                f"private_key must be an RSA or Ed25519 private key object, got {type(private_key).__name__}; "
                "use load_private_key(path)"
            )
        self.key_id = key_id.strip()
        self._private_key = private_key
        self._clock = clock

    @property
    def key_type(self) -> str:
        if isinstance(self._private_key, ed25519.Ed25519PrivateKey):
            return "ed25519"
        return f"rsa-{self._private_key.key_size}"

    def timestamp(self) -> str:
        """The current Unix time in milliseconds, as Kalshi wants it."""
        return str(int(self._clock() * 1000))

    def sign(self, method: str, path: str, timestamp: str | int) -> str:
        """The base64 signature for one request; ``path`` is the full URL path."""
        return signature_for(self._private_key, method, path, timestamp)

    def headers(self, method: str, path: str, timestamp: str | int | None = None) -> dict[str, str]:
        """The three auth headers for one request (fresh timestamp unless one is given)."""
        ts = self.timestamp() if timestamp is None else str(timestamp)
        return {
            HEADER_KEY: self.key_id,
            HEADER_TIMESTAMP: ts,
            HEADER_SIGNATURE: self.sign(method, path, ts),
        }

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # The prepared URL is percent-encoded exactly as it goes on the wire; sign its path only.
        path = urlsplit(request.url or "").path
        request.headers.update(self.headers(request.method or "GET", path))
        return request

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, KalshiAuth)
            and other.key_id == self.key_id
            and other._private_key is self._private_key
        )

    def __hash__(self) -> int:
        return hash((self.key_id, id(self._private_key)))

    def __repr__(self) -> str:
        return f"<KalshiAuth key={redact(self.key_id)} {self.key_type}>"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        # Pickling would copy the key material into whatever stores the pickle.
        raise TypeError("KalshiAuth holds a private key and cannot be pickled")


def load_private_key(
    path: str | os.PathLike[str] | None = None,
    *,
    password: str | bytes | None = None,
) -> PrivateKey:
    """Load a PEM (or DER) private key: RSA in PKCS#1 or PKCS#8, or Ed25519.

    ``path`` None reads ``KALSHI_PRIVATE_KEY_PATH``; ``password`` None reads
    ``KALSHI_PRIVATE_KEY_PASSWORD`` (only needed for an encrypted file). Every failure is a
    ``PrivateKeyError`` (a ``ValueError``) saying what to do; it never contains the key or its path.

    Example:
        >>> load_private_key(sb.private_key_path).key_size
        2048
    """
    if path is None:
        path = config.get_private_key_path()
        if path is None:
            raise PrivateKeyError(
                f"no private key configured: set {config.ENV_PRIVATE_KEY_PATH} to the .pem file you downloaded "
                "when you created the API key (or pass the path)"
            )
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    if "-----BEGIN" in text or "\n" in text or len(text) > 4096:
        raise PrivateKeyError(
            f"{config.ENV_PRIVATE_KEY_PATH} (or the path passed) looks like the key itself, not a path to it: save "
            "the key in a file outside the repo (chmod 600) and give that file's path; to pass key text "
            "directly use KalshiClient(private_key=...)"
        )
    file_path = os.path.expanduser(text)
    data, problem = _read_key_file(file_path)
    if problem is not None:
        # Raised here, outside any except block, so no OSError (which names the path) rides along as
        # __context__.
        raise PrivateKeyError(problem)
    if password is None:
        password = config.get_private_key_password()
    return parse_private_key(data, password=password)


def load_generated_key(path: str | os.PathLike[str]) -> PrivateKey:
    """Load the unencrypted PEM key that this process's sandbox generated moments ago (its throwaway key).

    The one difference from ``load_private_key``: RSA key validation is skipped. It proves that a key from
    elsewhere is well formed and costs about 0.1 s for RSA-2048 while holding the GIL (so it delays every
    other thread too); a key fresh from ``rsa.generate_private_key`` is well formed by construction. Never
    use this for a key read from the user's files. Failures are a ``PrivateKeyError`` without the path.

    Example:
        >>> load_generated_key(sb.private_key_path).key_size
        2048
    """
    data, problem = _read_key_file(os.fspath(path))
    if problem is not None:
        raise PrivateKeyError(problem)
    key: object = None
    # Reported below, outside the suppressed block: no cryptography exception rides along as __context__.
    with contextlib.suppress(ValueError, TypeError, UnsupportedAlgorithm):
        key = serialization.load_pem_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise PrivateKeyError("the sandbox's key file does not hold the unencrypted key it wrote")
    return key


def _read_key_file(file_path: str) -> tuple[bytes, str | None]:
    """The file's bytes, or a message saying what is wrong (never the path itself)."""
    source = "the private key file"
    try:
        with open(file_path, "rb") as fh:
            return fh.read(1 << 20), None
    except FileNotFoundError:
        return b"", (
            f"{source} does not exist: check {config.ENV_PRIVATE_KEY_PATH} (or the path you passed); it "
            "should name the .pem file downloaded when the API key was created"
        )
    except IsADirectoryError:
        return (
            b"",
            f"{source} path names a directory, not a file: point {config.ENV_PRIVATE_KEY_PATH} at the .pem file",
        )
    except OSError as exc:
        return b"", (
            f"{source} cannot be read ({type(exc).__name__}, errno {exc.errno}): check its permissions "
            "(chmod 600, owned by you)"
        )


def parse_private_key(data: str | bytes, *, password: str | bytes | None = None) -> PrivateKey:
    """Parse private key bytes (PEM or DER); see ``load_private_key`` for the rules.

    Example:
        >>> from pathlib import Path
        >>> parse_private_key(Path(sb.private_key_path).read_text()).key_size
        2048
    """
    raw = data.encode() if isinstance(data, str) else bytes(data)
    secret = password.encode() if isinstance(password, str) else password
    stripped = raw.strip()
    if not stripped:
        raise PrivateKeyError("the private key file is empty: download the key again from Kalshi")
    if b"PUBLIC KEY" in stripped or stripped.startswith((b"ssh-", b"ecdsa-")) or _is_public_key(stripped):
        raise PrivateKeyError(
            "this is a PUBLIC key; kalshi_nb needs the PRIVATE key (the file that begins with "
            "'-----BEGIN PRIVATE KEY-----' or '-----BEGIN RSA PRIVATE KEY-----') downloaded when the key was created"
        )
    encrypted = b"ENCRYPTED" in stripped
    if encrypted and not secret:
        raise PrivateKeyError(
            f"the private key file is encrypted: set {config.ENV_PRIVATE_KEY_PASSWORD} to its password "
            "(or pass password=...)"
        )
    key, problem = _load_key(stripped, raw, secret, encrypted)
    if problem is not None:
        # Raised outside the except blocks: cryptography's exception (and the key bytes in its frames)
        # must not travel on as __context__.
        raise PrivateKeyError(problem)
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise PrivateKeyError(
            f"unsupported key type {type(key).__name__.lstrip('_')}: Kalshi API keys are RSA or Ed25519"
        )
    return key


def _load_key(
    stripped: bytes, raw: bytes, secret: bytes | None, encrypted: bool
) -> tuple[object, str | None]:
    """``(key, None)`` or ``(None, what to tell the user)``."""
    try:
        if stripped.startswith(b"-----"):
            return serialization.load_pem_private_key(stripped, password=secret if encrypted else None), None
        return serialization.load_der_private_key(raw, password=secret), None
    except TypeError:
        # cryptography raises TypeError for "encrypted but no password" (DER) and "password but not encrypted".
        if secret and not encrypted:
            return _load_plain(stripped, raw)
        return (
            None,
            f"the private key file is encrypted: set {config.ENV_PRIVATE_KEY_PASSWORD} to its password",
        )
    except (ValueError, UnsupportedAlgorithm):
        if encrypted:
            return None, f"the private key could not be decrypted: check {config.ENV_PRIVATE_KEY_PASSWORD}"
        return None, (
            "the file is not a private key kalshi_nb can read: expected the PEM file from Kalshi "
            "('-----BEGIN PRIVATE KEY-----' or '-----BEGIN RSA PRIVATE KEY-----')"
        )


def _load_plain(stripped: bytes, raw: bytes) -> tuple[object, str | None]:
    try:
        if stripped.startswith(b"-----"):
            return serialization.load_pem_private_key(stripped, password=None), None
        return serialization.load_der_private_key(raw, password=None), None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None, "the file is not a private key kalshi_nb can read"


def _is_public_key(data: bytes) -> bool:
    try:
        if data.startswith(b"-----"):
            serialization.load_pem_public_key(data)
        else:
            serialization.load_der_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True
