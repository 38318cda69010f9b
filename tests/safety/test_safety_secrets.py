"""Issue 9, item 8: no key material leaves the process through an exception or a log record.

The old client's exceptions kept the prepared request with the signature headers, and a PEM pasted where a
path belongs survived in the exception's ``__context__``. Each scenario below provokes a real failure (a
401, a 500, a refused connection, a timeout, a bad key argument, a wrong password, a read-only call, an
order whose fate is unknown) and walks everything the exception can reach: ``__cause__``, ``__context__``,
``args``, ``__dict__``, ``__notes__``, ``.request`` (headers, body), ``.response`` (and its request), plus
``str``/``repr``, the formatted traceback and ``pickle``. No signature value, PEM text, password or key id
longer than 8 characters may appear. (Traceback frame locals are out of scope.)
"""

from __future__ import annotations

import logging
import os
import pickle
import traceback
import types
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import kalshi_nb
from kalshi_nb.client import KalshiClient, RetryPolicy

PASSWORD = "correct horse battery staple 7f3a"
WRONG_PASSWORD = "Tr0ub4dor&3-wrong-9c1e"
QUICK = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.02, total_time=5.0, in_flight_grace=0.3)


class RecordingSession(requests.Session):
    """A plain ``requests.Session`` that keeps a copy of every header set it sends (to know the secrets)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(dict(request.headers))
        return super().send(request, **kwargs)


@dataclass
class Secrets:
    """Everything that must never be found in an exception or a log record."""

    key_ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    sessions: list[RecordingSession] = field(default_factory=list)

    def add_pem(self, pem: str | bytes) -> None:
        text = pem.decode() if isinstance(pem, bytes) else pem
        # The base64 body, line by line (a 24-character run of any line is enough to count as a leak).
        self.texts += [
            line.strip()[:24]
            for line in text.splitlines()
            if line.strip() and not line.startswith("-----") and ":" not in line
        ]

    def all_texts(self) -> list[str]:
        found = list(self.texts)
        for session in self.sessions:
            for headers in session.sent:
                signature = headers.get("KALSHI-ACCESS-SIGNATURE")
                if signature:
                    found.append(signature)
                    found.append(signature[:24])
        return found

    def assert_absent(self, haystack: str, where: str) -> None:
        for secret in self.all_texts():
            assert secret not in haystack, f"secret {secret[:6]}… found in {where}"
        for key_id in self.key_ids:
            for start in range(len(key_id) - 8):
                piece = key_id[start : start + 9]
                assert piece not in haystack, f"9+ characters of the key id ({piece!r}) found in {where}"


# --- walking everything an exception can reach -----------------------------------------------------

_SKIP = (
    types.ModuleType,
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.TracebackType,
    types.FrameType,
    types.CodeType,
)


def reachable_texts(root: object, limit: int = 50_000) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every string reachable from ``root``, including ``str``/``repr`` of exceptions
    and the request/response objects, with a bound on the number of objects visited."""
    seen: set[int] = set()
    stack: list[tuple[str, object, int]] = [("exc", root, 0)]
    while stack and len(seen) < limit:
        where, obj, depth = stack.pop()
        if id(obj) in seen or depth > 14 or obj is None:
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            yield where, obj
            continue
        if isinstance(obj, bytes | bytearray | memoryview):
            yield where, bytes(obj).decode("latin-1")
            continue
        if isinstance(obj, (int, float, complex, *_SKIP)):
            continue
        if isinstance(obj, BaseException | requests.PreparedRequest | requests.Response | requests.Request):
            for name, text in (("str", _safe(str, obj)), ("repr", _safe(repr, obj))):
                yield f"{where}.{name}()", text
        if isinstance(obj, BaseException):
            for name in ("__cause__", "__context__", "args", "__notes__"):
                stack.append((f"{where}.{name}", getattr(obj, name, None), depth + 1))
        for name in ("request", "response"):
            try:
                value = getattr(obj, name, None)
            except Exception:  # noqa: BLE001 - a property that fails is not our concern here
                value = None
            if value is not None:
                stack.append((f"{where}.{name}", value, depth + 1))
        if isinstance(obj, Mapping) or (hasattr(obj, "items") and callable(obj.items)):
            try:
                items = list(obj.items())
            except Exception:  # noqa: BLE001
                items = []
            for k, v in items:
                stack.append((f"{where}[{k!r:.20}]", k, depth + 1))
                stack.append((f"{where}[{k!r:.20}]", v, depth + 1))
        elif isinstance(obj, list | tuple | set | frozenset) or type(obj).__name__ == "deque":
            for i, item in enumerate(list(obj)):
                stack.append((f"{where}[{i}]", item, depth + 1))
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):
            for k, v in state.items():
                stack.append((f"{where}.{k}", v, depth + 1))
        for slot in getattr(type(obj), "__slots__", ()) or ():
            if isinstance(slot, str) and hasattr(obj, slot):
                stack.append((f"{where}.{slot}", getattr(obj, slot, None), depth + 1))


def _safe(fn: Callable[[object], str], obj: object) -> str:
    try:
        return fn(obj)
    except Exception as exc:  # noqa: BLE001
        return f"<{fn.__name__} failed: {type(exc).__name__}>"


def assert_clean(exc: BaseException, secrets: Secrets) -> None:
    for where, text in reachable_texts(exc):
        secrets.assert_absent(text, where)
    secrets.assert_absent("".join(traceback.format_exception(exc)), "the formatted traceback")
    try:
        pickled = pickle.dumps(exc)
    except Exception:  # noqa: BLE001 - refusing to pickle is allowed
        return
    secrets.assert_absent(pickled.decode("latin-1"), "the pickled exception")


def assert_logs_clean(caplog: pytest.LogCaptureFixture, secrets: Secrets) -> None:
    for record in caplog.records:
        secrets.assert_absent(record.getMessage(), f"log record {record.name}")
        secrets.assert_absent(repr(record.args), f"log record args {record.name}")
        if record.exc_info:
            secrets.assert_absent("".join(traceback.format_exception(*record.exc_info)), "a logged traceback")
    secrets.assert_absent(caplog.text, "the captured log")


# --- keys made at run time -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class KeyMaterial:
    plain_pem: str
    encrypted_pem: str
    plain_path: Path
    encrypted_path: Path


@pytest.fixture
def key_material(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> KeyMaterial:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    encrypted = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    ).decode()
    plain_path, encrypted_path = tmp_path / "key.pem", tmp_path / "key.enc.pem"
    plain_path.write_text(pem)
    encrypted_path.write_text(encrypted)
    os.chmod(plain_path, 0o600)
    os.chmod(encrypted_path, 0o600)
    return KeyMaterial(pem, encrypted, plain_path, encrypted_path)


@pytest.fixture
def secrets(sb: object, key_material: KeyMaterial) -> Secrets:
    found = Secrets(key_ids=[sb.key_id], texts=[PASSWORD, WRONG_PASSWORD])
    found.add_pem(Path(sb.private_key_path).read_text())
    found.add_pem(key_material.plain_pem)
    found.add_pem(key_material.encrypted_pem)
    return found


def _client(secrets: Secrets, **kwargs: Any) -> KalshiClient:
    session = RecordingSession()
    secrets.sessions.append(session)
    options: dict[str, Any] = {"rate_limit": None, "retry": QUICK, "timeout": 2.0, "session": session}
    options.update(kwargs)
    return KalshiClient(**options)


# --- the scenarios ---------------------------------------------------------------------------------


def _unregistered_key(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    key_id = str(uuid.uuid4())
    secrets.key_ids.append(key_id)
    client = _client(secrets, key_id=key_id, private_key_path=str(km.plain_path), api_base=sb.url)
    with pytest.raises(kalshi_nb.AuthenticationError) as caught:
        client.get_balance()
    return caught.value


def _wrong_key_for_registered_id(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    client = _client(secrets, key_id=sb.key_id, private_key_path=str(km.plain_path), api_base=sb.url)
    with pytest.raises(kalshi_nb.AuthenticationError) as caught:
        client.get_positions()
    return caught.value


def _server_error(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    sb.faults.update(error_rate={"rate": 1.0, "path": "/portfolio/balance"})
    client = _client(secrets, key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url)
    with pytest.raises(kalshi_nb.ServerError) as caught:
        client.get_balance()
    return caught.value


def _not_found(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    client = _client(secrets, key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url)
    with pytest.raises(kalshi_nb.NotFoundError) as caught:
        client.get_order("0a4c3f5e-1b2f-4c1d-9d0e-5b8f3f0a9c11")
    return caught.value


def _connection_refused(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    client = _client(
        secrets,
        key_id=sb.key_id,
        private_key_path=sb.private_key_path,
        api_base="http://127.0.0.1:9/trade-api/v2",
    )
    with pytest.raises(requests.ConnectionError) as caught:
        client.get_balance()
    return caught.value


def _dropped(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    sb.faults.update(drop_rate={"rate": 1.0, "path": "/portfolio/balance"})
    client = _client(secrets, key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url)
    with pytest.raises(requests.ConnectionError) as caught:
        client.get_balance()
    return caught.value


def _timeout(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    sb.faults.update(latency={"seconds": 1.5, "path": "/portfolio/balance"})
    client = _client(
        secrets, key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url, timeout=0.3
    )
    with pytest.raises(requests.Timeout) as caught:
        client.get_balance()
    return caught.value


def _redirect(sb: object, secrets: Secrets, km: KeyMaterial, stub: Any) -> BaseException:
    stub.answers.extend([(302, b"")] * 4)
    client = _client(secrets, key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=stub.url)
    with pytest.raises(kalshi_nb.KalshiAPIError) as caught:
        client.get_balance()
    return caught.value


def _pem_as_path(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    with pytest.raises((ValueError, OSError)) as caught:
        _client(secrets, key_id=sb.key_id, private_key_path=km.plain_pem, api_base=sb.url)
    return caught.value


def _encrypted_pem_as_path(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    with pytest.raises((ValueError, OSError)) as caught:
        _client(
            secrets,
            key_id=sb.key_id,
            private_key_path=km.encrypted_pem,
            private_key_password=PASSWORD,
            api_base=sb.url,
        )
    return caught.value


def _pem_as_env_path(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    os.environ["KALSHI_PRIVATE_KEY_PATH"] = km.plain_pem  # removed again by the clean_session fixture
    os.environ["KALSHI_API_KEY_ID"] = sb.key_id
    with pytest.raises((ValueError, OSError)) as caught:
        _client(secrets, api_base=sb.url)
    return caught.value


def _wrong_password(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    with pytest.raises(ValueError, match=r"(?i)password") as caught:
        _client(
            secrets,
            key_id=sb.key_id,
            private_key_path=str(km.encrypted_path),
            private_key_password=WRONG_PASSWORD,
            api_base=sb.url,
        )
    return caught.value


def _wrong_password_env(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    os.environ["KALSHI_PRIVATE_KEY_PASSWORD"] = WRONG_PASSWORD
    with pytest.raises(ValueError, match=r"(?i)password") as caught:
        _client(secrets, key_id=sb.key_id, private_key_path=str(km.encrypted_path), api_base=sb.url)
    return caught.value


def _wrong_password_pem_text(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    with pytest.raises(ValueError, match=r"(?i)password") as caught:
        _client(
            secrets,
            key_id=sb.key_id,
            private_key=km.encrypted_pem,
            private_key_password=WRONG_PASSWORD,
            api_base=sb.url,
        )
    return caught.value


def _password_for_plain_key(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    """A password given for a key that is not encrypted: refused or ignored, never echoed."""
    try:
        client = _client(
            secrets,
            key_id=sb.key_id,
            private_key_path=str(km.plain_path),
            private_key_password=WRONG_PASSWORD,
            api_base=sb.url,
        )
    except ValueError as exc:
        return exc
    with pytest.raises(kalshi_nb.AuthenticationError) as caught:
        client.get_balance()  # the key is not registered: a 401 carrying this client's headers
    return caught.value


def _read_only_call(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    os.environ["KALSHI_PRIVATE_KEY_PASSWORD"] = PASSWORD
    client = _client(secrets, api_base=sb.url, read_only=True)
    with pytest.raises(kalshi_nb.ReadOnlyError) as caught:
        client.get_balance()
    return caught.value


def _read_only_order(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    client = _client(secrets, api_base=sb.url, read_only=True)
    with pytest.raises(kalshi_nb.ReadOnlyError) as caught:
        client.place_order(_plain_market(sb)["ticker"], "yes", 1, 1)
    return caught.value


def _order_state_unknown(sb: object, secrets: Secrets, km: KeyMaterial) -> BaseException:
    """A create that fails with a 500 and never appears: ``OrderStateUnknownError`` chained to the 500."""
    client = _client(secrets, key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url)
    kalshi_nb.enable_live_trading(client)  # the sandbox; opted in so this does not hinge on its proof
    sb.faults.script(["500_before"] * 4, methods=["POST"], path=r"/portfolio/events/orders$")
    with pytest.raises(kalshi_nb.OrderStateUnknownError) as caught:
        client.place_order(_plain_market(sb)["ticker"], "yes", 1, 1)
    return caught.value


def _order_refused_on_production(sb: object, secrets: Secrets, km: KeyMaterial, stub: Any) -> BaseException:
    client = _client(secrets, key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=stub.url)
    market = _plain_market(sb)
    with pytest.raises(kalshi_nb.OrderRefusedError) as caught:
        client.place_order(market["ticker"], "yes", 1, 1, market=market)
    return caught.value


SCENARIOS: dict[str, Callable[..., BaseException]] = {
    "401_unregistered_key": _unregistered_key,
    "401_wrong_key": _wrong_key_for_registered_id,
    "500": _server_error,
    "404": _not_found,
    "connection_refused": _connection_refused,
    "connection_dropped": _dropped,
    "timeout": _timeout,
    "redirect": _redirect,
    "pem_as_path": _pem_as_path,
    "encrypted_pem_as_path": _encrypted_pem_as_path,
    "pem_as_env_path": _pem_as_env_path,
    "wrong_password": _wrong_password,
    "wrong_password_env": _wrong_password_env,
    "wrong_password_pem_text": _wrong_password_pem_text,
    "password_for_plain_key": _password_for_plain_key,
    "read_only_call": _read_only_call,
    "read_only_order": _read_only_order,
    "order_state_unknown": _order_state_unknown,
    "order_refused_on_production": _order_refused_on_production,
}
_NEEDS_STUB = {"redirect", "order_refused_on_production"}


def _plain_market(sb: object) -> dict:
    for m in sb.exchange.markets(status="open"):
        if m["ticker"].startswith("KXMVE") or m.get("price_level_structure") != "linear_cent":
            continue
        if not m.get("fractional_trading_enabled") and float(m.get("yes_ask_dollars") or 0) >= 0.05:
            return m
    raise LookupError("no plain open market in the sandbox data")


def _run(name: str, sb: object, secrets: Secrets, km: KeyMaterial, stub: Any) -> BaseException:
    scenario = SCENARIOS[name]
    return scenario(sb, secrets, km, stub) if name in _NEEDS_STUB else scenario(sb, secrets, km)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_exception_carries_no_secret(
    name: str,
    sb: object,
    secrets: Secrets,
    key_material: KeyMaterial,
    stub_server: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    exc = _run(name, sb, secrets, key_material, stub_server)
    assert_clean(exc, secrets)
    assert_logs_clean(caplog, secrets)


@pytest.mark.parametrize(
    "name", ["401_unregistered_key", "500", "connection_refused", "timeout", "order_state_unknown"]
)
def test_the_secrets_were_really_on_the_wire(
    name: str, sb: object, secrets: Secrets, key_material: KeyMaterial, stub_server: Any
) -> None:
    """The control for the walk above: these scenarios did sign requests, so there was something to leak."""
    _run(name, sb, secrets, key_material, stub_server)
    signatures = [
        h["KALSHI-ACCESS-SIGNATURE"]
        for s in secrets.sessions
        for h in s.sent
        if h.get("KALSHI-ACCESS-SIGNATURE")
    ]
    assert signatures
    assert all(len(sig) > 40 for sig in signatures)


def test_the_walker_finds_a_signature_hidden_in_a_context() -> None:
    """The control for the walker itself: a signature buried in ``__context__`` of a ``__cause__``'s
    request headers, in ``__notes__`` and in ``__dict__`` is found."""
    secrets = Secrets(
        texts=["SIGNATUREVALUE0123456789abcdef"], key_ids=["a952bcbe-ec3b-4b5b-b8f9-11dae589608c"]
    )
    hidden = requests.PreparedRequest()
    hidden.prepare(
        method="GET",
        url="http://127.0.0.1:9/x",
        headers={"KALSHI-ACCESS-SIGNATURE": "SIGNATUREVALUE0123456789abcdef"},
    )
    inner = requests.ConnectionError("boom", request=hidden)
    for make in (
        lambda: _chain(RuntimeError("outer"), ValueError("mid"), inner),
        lambda: _noted(ValueError("x"), "key a952bcbe-ec3b-4b5b-b8f9-11dae589608c"),
        lambda: _with_attr(ValueError("x"), {"h": [b"SIGNATUREVALUE0123456789abcdef"]}),
    ):
        with pytest.raises(AssertionError):
            assert_clean(make(), secrets)


def _chain(outer: BaseException, mid: BaseException, inner: BaseException) -> BaseException:
    mid.__context__ = inner
    outer.__cause__ = mid
    return outer


def _noted(exc: BaseException, note: str) -> BaseException:
    # What BaseException.add_note does on 3.11+; 3.10 has no add_note but shows __notes__ all the same.
    exc.__notes__ = [*getattr(exc, "__notes__", []), note]
    return exc


def _with_attr(exc: BaseException, value: object) -> BaseException:
    exc.extra = value  # type: ignore[attr-defined]
    return exc


def test_client_repr_and_pickle_hold_no_secret(sb: object, secrets: Secrets) -> None:
    client = _client(secrets, key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url)
    client.get_balance()
    secrets.assert_absent(repr(client), "repr(client)")
    secrets.assert_absent(str(client), "str(client)")
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(client)
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(client._auth)


def test_a_successful_response_keeps_no_signature(sb: object, secrets: Secrets) -> None:
    """After a good call, the session's last response (reachable from a later error's chain) is clean too."""
    hooks: list[requests.Response] = []
    client = _client(secrets, key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url)
    client.session.hooks["response"].append(lambda r, *a, **k: hooks.append(r))
    client.get_balance()
    assert hooks
    for response in hooks:
        for where, text in reachable_texts(response):
            secrets.assert_absent(text, f"response.{where}")
