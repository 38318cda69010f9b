"""The sandbox proves it is the sandbox: a 0600 secret per listener and the HMAC answer to a nonce.

A client trusts a loopback URL as fake money only after this proof, so each test here would let a
production proxy pass for the sandbox if the behaviour it checks were gone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import signal
import stat
from pathlib import Path

import pytest
import requests
from helpers import sandbox
from test_http_cli import cli

from kalshi_nb.sandbox.identity import Identity, secret_path

SANDBOX_SEED = 23
SANDBOX_OPTIONS = {"markets": 30}


def _proof(secret_hex: str, nonce: str) -> str:
    return hmac.new(bytes.fromhex(secret_hex), nonce.encode(), hashlib.sha256).hexdigest()


def _identity(root_url: str, nonce: str) -> requests.Response:
    return requests.get(root_url + "/_sandbox/identity", params={"nonce": nonce}, timeout=10)


def test_secret_file_is_private_and_where_the_contract_says(module_sb):
    path = Path(module_sb.secret_path)
    assert path == Path(os.environ["KALSHI_NB_DATA_DIR"]) / "sandbox" / f"127.0.0.1_{module_sb.port}.secret"
    assert path == secret_path("127.0.0.1", module_sb.port)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert len(bytes.fromhex(text)) == 32


def test_identity_answers_the_hmac_of_the_nonce(module_sb):
    secret = Path(module_sb.secret_path).read_text()
    for nonce in (secrets.token_hex(16), "a", "F" * 128):
        resp = _identity(module_sb.root_url, nonce)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"sandbox": "kalshi_nb", "proof": _proof(secret, nonce)}
    # a fresh secret per sandbox: the proof of one is not the proof of another
    nonce = secrets.token_hex(8)
    with sandbox(seed=1, markets=10) as other:
        assert _identity(other.root_url, nonce).json()["proof"] != _proof(secret, nonce)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"nonce": ""},
        {"nonce": "xyz"},
        {"nonce": "a" * 129},
        {"nonce": "ab cd"},
        {"nonce": "\uff10\uff11"},
    ],
)
def test_a_missing_or_bad_nonce_is_400(module_sb, params):
    resp = requests.get(module_sb.root_url + "/_sandbox/identity", params=params, timeout=10)
    assert resp.status_code == 400
    assert "nonce" in resp.json()["error"]["message"]


def test_identity_is_never_faulted_nor_logged(module_sb):
    module_sb.faults.update(error_rate=1.0, drop_rate=1.0, latency=0.0)
    module_sb.faults.script(["drop", "500", "429"])
    resp = _identity(module_sb.root_url, "abcd")
    assert resp.status_code == 200
    assert module_sb.faults.pending() == 3
    assert not any(r.path.startswith("/_sandbox") for r in module_sb.requests)


def test_the_file_goes_when_the_sandbox_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("KALSHI_NB_DATA_DIR", str(tmp_path / "data"))
    with sandbox(seed=2, markets=10) as module_sb:
        path = Path(module_sb.secret_path)
        assert path.is_relative_to(tmp_path)
        assert path.exists()
        port = module_sb.port
    assert not path.exists()
    with pytest.raises(RuntimeError):
        module_sb.secret_path  # noqa: B018
    # the stopped sandbox answers nothing any more: a client finds no file and no answer
    with pytest.raises(requests.ConnectionError):
        _identity(f"http://127.0.0.1:{port}", "ab")


def test_stop_leaves_a_newer_sandboxs_file_alone(tmp_path):
    mine = Identity.create("127.0.0.1", 9, data_dir=tmp_path)
    newer = Identity.create("127.0.0.1", 9, data_dir=tmp_path)  # a later sandbox on the same port
    mine.remove()
    assert newer.path.exists()
    assert newer.proof("ab") == _proof(newer.path.read_text(), "ab")
    newer.remove()
    assert not newer.path.exists()
    newer.remove()  # idempotent


def test_the_cli_server_proves_its_identity_and_cleans_up(tmp_path, monkeypatch):
    monkeypatch.setenv("KALSHI_NB_DATA_DIR", str(tmp_path))
    with cli("--seed", "3", "--size", "10", "--rate-limit", "off") as c:
        banner = c.read_banner()
        port = int(c.url.split(":")[2].split("/")[0])
        path = tmp_path / "sandbox" / f"127.0.0.1_{port}.secret"
        assert any(str(path) in line for line in banner), banner
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        root = c.url.removesuffix("/trade-api/v2")
        nonce = secrets.token_hex(32)
        assert _identity(root, nonce).json() == {
            "sandbox": "kalshi_nb",
            "proof": _proof(path.read_text(), nonce),
        }
        c.proc.send_signal(signal.SIGTERM)
        assert c.proc.wait(timeout=20) == 0
    assert not path.exists()
