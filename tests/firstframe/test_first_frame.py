"""Time to the first frame (issue 15): the sandbox makes its RSA key in a thread while its data is built, and
the client loads that fresh key without the RSA validation a user's key file gets.
None of it may make ``import kalshi_nb`` heavier or leak a key."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_nb import auth
from kalshi_nb.errors import PrivateKeyError

ENV = dict(os.environ, KALSHI_NB_SANDBOX_ACTIVITY="0")


def run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_connect_leaves_pandas_unimported() -> None:
    # No background import: two threads importing at once can trip importlib's deadlock detection in the
    # user's kernel, and a script's first frame measured no faster with it.
    out = run("import sys, kalshi_nb as kn\nkn.connect('sandbox')\nprint('pandas' in sys.modules)")
    assert out.split() == ["False"]


def test_a_script_that_exits_right_after_connect_exits_cleanly() -> None:
    # The key thread is joined before connect() returns; nothing is left running into finalisation.
    run("import kalshi_nb as kn\nkn.connect('sandbox')")


def test_sandbox_key_is_made_in_a_thread_during_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    from kalshi_nb.sandbox import Sandbox

    threads: list[str] = []
    real = rsa.generate_private_key

    def spy(**kwargs: object) -> rsa.RSAPrivateKey:
        threads.append(threading.current_thread().name)
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rsa, "generate_private_key", spy)
    sb = Sandbox(rate_limit=None, ws=False)
    try:
        assert threads == ["kalshi-sandbox-keygen"]
        key = auth.load_generated_key(sb.private_key_path)
        assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
        assert (os.stat(sb.private_key_path).st_mode & 0o777) == 0o600
        assert "PRIVATE" not in repr(sb) and "PRIVATE" not in repr(vars(sb))
    finally:
        sb.stop()


def test_a_key_generation_failure_surfaces_in_the_constructor(monkeypatch: pytest.MonkeyPatch) -> None:
    from kalshi_nb.sandbox import Sandbox

    def broken(**_: object) -> object:
        raise RuntimeError("no entropy")

    monkeypatch.setattr(rsa, "generate_private_key", broken)
    with pytest.raises(RuntimeError, match="no entropy"):
        Sandbox(rate_limit=None, ws=False)


def test_load_generated_key_signs_like_the_validated_load(tmp_path: Path) -> None:
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(rate_limit=None, ws=False) as sb:
        fast, checked = (
            auth.load_generated_key(sb.private_key_path),
            auth.load_private_key(sb.private_key_path),
        )
        assert fast.private_numbers() == checked.private_numbers()  # type: ignore[union-attr]


def test_load_generated_key_errors_never_name_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "secret-place" / "k.pem"
    bad.parent.mkdir()
    bad.write_text("not a key")
    for path in (bad, tmp_path / "missing.pem"):
        with pytest.raises(PrivateKeyError) as info:
            auth.load_generated_key(path)
        assert str(tmp_path) not in str(info.value) and info.value.__context__ is None


def test_connect_sandbox_client_signs_with_the_sandbox_key() -> None:
    import kalshi_nb as kn

    client = kn.connect("sandbox")
    try:
        assert client.get_balance() is not None  # an authenticated call: the fast-loaded key signs right
    finally:
        kn.set_default_client(None)
