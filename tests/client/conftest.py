"""Fixtures for the client tests: a clean environment, throwaway keys made at run time, and a sandbox.

The sandbox is real HTTP on 127.0.0.1; nothing of the client is mocked.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from client_helpers import KEY_PASSWORD
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from kalshi_testkit import throwaway_rsa

from kalshi_nb import config


@pytest.fixture(autouse=True)
def clean_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No KALSHI_* variable from the developer's shell or .env leaks into a test, and none leaks out.

    Each variable is set and then deleted through monkeypatch, so whatever a test (or a .env file it
    loads) puts there is removed again afterwards. The working directory is an empty temp dir, so the
    repository's own .env (if any) is not found. Tests marked ``live`` keep the real environment.
    """
    if request.node.get_closest_marker("live"):
        return Path.cwd()
    for name in config.ENV_VARIABLES:
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


# --- keys -----------------------------------------------------------------------------------------


@dataclass
class KeyFiles:
    rsa: rsa.RSAPrivateKey
    ed25519: ed25519.Ed25519PrivateKey
    rsa_pkcs1: Path
    rsa_pkcs8: Path
    rsa_der: Path
    ed25519_pkcs8: Path
    encrypted_pkcs8: Path
    encrypted_pkcs1: Path
    public: Path
    ec: Path
    garbage: Path
    empty: Path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def keys(tmp_path: Path) -> KeyFiles:
    k = throwaway_rsa()
    e = ed25519.Ed25519PrivateKey.generate()
    d = tmp_path / "keys"
    d.mkdir()
    pem, der = serialization.Encoding.PEM, serialization.Encoding.DER
    none = serialization.NoEncryption()
    pw = serialization.BestAvailableEncryption(KEY_PASSWORD.encode())
    return KeyFiles(
        rsa=k,
        ed25519=e,
        rsa_pkcs1=_write(
            d / "rsa1.pem", k.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL, none)
        ),
        rsa_pkcs8=_write(d / "rsa8.pem", k.private_bytes(pem, serialization.PrivateFormat.PKCS8, none)),
        rsa_der=_write(d / "rsa8.der", k.private_bytes(der, serialization.PrivateFormat.PKCS8, none)),
        ed25519_pkcs8=_write(d / "ed.pem", e.private_bytes(pem, serialization.PrivateFormat.PKCS8, none)),
        encrypted_pkcs8=_write(d / "enc8.pem", k.private_bytes(pem, serialization.PrivateFormat.PKCS8, pw)),
        encrypted_pkcs1=_write(
            d / "enc1.pem", k.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL, pw)
        ),
        public=_write(
            d / "pub.pem", k.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo)
        ),
        ec=_write(
            d / "ec.pem",
            ec.generate_private_key(ec.SECP256R1()).private_bytes(
                pem, serialization.PrivateFormat.PKCS8, none
            ),
        ),
        garbage=_write(d / "notes.txt", b"this is not a key\n"),
        empty=_write(d / "empty.pem", b""),
    )


# --- a scripted HTTP server for answers the sandbox never gives (2xx errors, redirects, Retry-After) ------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    time: float


class ScriptedServer:
    """Answers from a queue of ``(status, headers, body)``; logs every request with its headers."""

    def __init__(self) -> None:
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        self.answers: list[tuple[int, dict[str, str], bytes]] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()

        @Request.application
        def app(request: Request) -> Response:
            import time

            with self._lock:
                self.seen.append(Seen(request.method, request.path, dict(request.headers), time.monotonic()))
                status, headers, body = (
                    self.answers.pop(0)
                    if self.answers
                    else (200, {"Content-Type": "application/json"}, b"{}")
                )
            return Response(body, status=status, headers=headers)

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.root = f"http://127.0.0.1:{self._server.server_port}"
        self.url = self.root + "/trade-api/v2"

    def answer(self, status: int, body: bytes | str = b"{}", **headers: str) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.answers.append((status, {"Content-Type": "application/json", **headers}, data))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.stop()
