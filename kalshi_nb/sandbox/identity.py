"""The sandbox's identity proof: a per-listener secret in a 0600 file, and the HMAC answer to a nonce.

A client must not trust "this loopback URL is the fake-money sandbox" on the URL alone (a local proxy in
front of production is also on 127.0.0.1). So a sandbox listening on host H, port P writes a random
32-byte secret, hex-encoded, to ``<data_dir>/sandbox/<H>_<P>.secret`` (file 0600, folders 0700), and
``GET /_sandbox/identity?nonce=<hex>`` answers ``hmac_sha256(secret, nonce)``. Only a process that can
read the user's data folder and the sandbox itself know the secret, so a right answer to a fresh nonce
proves the listener is this package's sandbox. The file is removed when the sandbox stops, if it still
holds this sandbox's secret (a newer sandbox on the same port may have replaced it).

``<data_dir>`` is ``$KALSHI_NB_DATA_DIR`` when set, else ``platformdirs.user_data_dir("kalshi_nb")`` (the
same rule as ``kalshi_nb.config.data_dir()``; computed here so the sandbox imports nothing from the client).

Example:
    >>> import hashlib, hmac, tempfile
    >>> ident = Identity.create("127.0.0.1", 8765, data_dir=tempfile.mkdtemp())
    >>> secret = bytes.fromhex(ident.path.read_text())
    >>> ident.proof("ab12") == hmac.new(secret, b"ab12", hashlib.sha256).hexdigest()
    True
    >>> ident.remove(); ident.path.exists()
    False
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

ENV_DATA_DIR = "KALSHI_NB_DATA_DIR"
SANDBOX_NAME = "kalshi_nb"
_NONCE = re.compile(r"[0-9a-fA-F]{1,128}")


def data_dir() -> Path:
    """``$KALSHI_NB_DATA_DIR`` if set (and not empty), else the user's data folder for kalshi_nb.

    Example:
        >>> data_dir().name in ("kalshi_nb", os.path.basename(os.environ.get("KALSHI_NB_DATA_DIR", "")))
        True
    """
    env = os.environ.get(ENV_DATA_DIR, "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("kalshi_nb"))


def secret_path(host: str, port: int, *, data_dir_: str | os.PathLike[str] | None = None) -> Path:
    """Where the sandbox listening on ``host:port`` keeps its secret. IPv6 brackets are dropped.

    Example:
        >>> secret_path("127.0.0.1", 8765, data_dir_="/d").as_posix()
        '/d/sandbox/127.0.0.1_8765.secret'
    """
    base = Path(data_dir_) if data_dir_ is not None else data_dir()
    return base / "sandbox" / f"{host.strip('[]')}_{int(port)}.secret"


def valid_nonce(nonce: object) -> bool:
    """1 to 128 hex characters."""
    return isinstance(nonce, str) and _NONCE.fullmatch(nonce) is not None


class Identity:
    """One listener's secret: written on ``create``, answers ``proof``, deleted by ``remove``."""

    def __init__(self, secret: bytes, path: Path) -> None:
        self._secret = secret
        self.path = path

    @classmethod
    def create(cls, host: str, port: int, *, data_dir: str | os.PathLike[str] | None = None) -> Identity:
        """Make a fresh secret and write it (replacing any stale file of a sandbox that died on this port)."""
        secret = secrets.token_bytes(32)
        path = secret_path(host, port, data_dir_=data_dir)
        _make_private_dirs(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secret.hex())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)  # atomic: a reader sees the old secret or the new one, never half
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return cls(secret, path)

    def proof(self, nonce: str) -> str:
        """``hmac_sha256(secret, nonce.encode()).hexdigest()``; ValueError for a bad nonce."""
        if not valid_nonce(nonce):
            raise ValueError("nonce must be 1 to 128 hex characters")
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()

    def remove(self) -> None:
        """Delete the file if it still holds this secret (idempotent, never raises for a missing file)."""
        try:
            current = self.path.read_text().strip()
        except OSError:
            return
        if hmac.compare_digest(current, self._secret.hex()):
            with contextlib.suppress(OSError):
                self.path.unlink()

    def __repr__(self) -> str:
        return f"<Identity {self.path}>"  # never the secret


def _make_private_dirs(folder: Path) -> None:
    # Every folder this creates is 0700; the sandbox folder itself is made 0700 even if it existed wider.
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            d.mkdir(mode=0o700)
    os.chmod(folder, 0o700)
