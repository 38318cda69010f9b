"""Loading private keys: the formats Kalshi hands out, and a clear error for each way it goes wrong."""

from __future__ import annotations

import pytest
from client_helpers import KEY_PASSWORD
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from kalshi_nb.auth import load_private_key
from kalshi_nb.errors import PrivateKeyError


def _same_rsa(a: rsa.RSAPrivateKey, b: rsa.RSAPrivateKey) -> bool:
    return a.private_numbers() == b.private_numbers()


@pytest.mark.parametrize("name", ["rsa_pkcs1", "rsa_pkcs8", "rsa_der"])
def test_rsa_formats_load_to_the_same_key(keys, name: str) -> None:
    key = load_private_key(getattr(keys, name))
    assert isinstance(key, rsa.RSAPrivateKey)
    assert _same_rsa(key, keys.rsa)


def test_ed25519_loads(keys) -> None:
    key = load_private_key(keys.ed25519_pkcs8)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    assert key.public_key() == keys.ed25519.public_key()


def test_path_from_the_environment_with_tilde(monkeypatch: pytest.MonkeyPatch, keys) -> None:
    monkeypatch.setenv("HOME", str(keys.rsa_pkcs8.parent))
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", "~/" + keys.rsa_pkcs8.name)
    assert _same_rsa(load_private_key(), keys.rsa)


def test_the_original_helpers_are_importable_from_the_package(keys) -> None:
    # The original kalshi_client module had get_api_base() and load_private_key() at its top level.
    from kalshi_nb import get_api_base
    from kalshi_nb import load_private_key as from_package

    assert from_package is load_private_key
    assert get_api_base(use_demo=True).endswith("/trade-api/v2")


def test_no_path_configured() -> None:
    with pytest.raises(PrivateKeyError, match="KALSHI_PRIVATE_KEY_PATH"):
        load_private_key()


@pytest.mark.parametrize("name", ["encrypted_pkcs8", "encrypted_pkcs1"])
def test_encrypted_key_needs_its_password(monkeypatch: pytest.MonkeyPatch, keys, name: str) -> None:
    path = getattr(keys, name)
    with pytest.raises(PrivateKeyError, match=r"encrypted.*KALSHI_PRIVATE_KEY_PASSWORD"):
        load_private_key(path)
    with pytest.raises(PrivateKeyError, match="could not be decrypted"):
        load_private_key(path, password="wrong password")
    assert _same_rsa(load_private_key(path, password=KEY_PASSWORD), keys.rsa)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PASSWORD", KEY_PASSWORD)
    assert _same_rsa(load_private_key(path), keys.rsa)


def test_password_given_for_a_plain_key_is_harmless(keys) -> None:
    assert _same_rsa(load_private_key(keys.rsa_pkcs8, password="unused"), keys.rsa)


def test_missing_file(keys) -> None:
    missing = keys.rsa_pkcs8.parent / "nope.pem"
    with pytest.raises(PrivateKeyError, match="does not exist") as info:
        load_private_key(missing)
    assert str(missing) not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_directory_instead_of_file(keys) -> None:
    with pytest.raises(PrivateKeyError, match="directory"):
        load_private_key(keys.rsa_pkcs8.parent)


def test_unreadable_file(keys) -> None:
    # root ignores file modes, so use a path whose parent is a file: open() then fails with ENOTDIR.
    with pytest.raises(PrivateKeyError, match="cannot be read"):
        load_private_key(keys.rsa_pkcs8 / "child.pem")


def test_not_a_key(keys) -> None:
    with pytest.raises(PrivateKeyError, match="not a private key"):
        load_private_key(keys.garbage)
    with pytest.raises(PrivateKeyError, match="empty"):
        load_private_key(keys.empty)


def test_public_key_given(keys) -> None:
    with pytest.raises(PrivateKeyError, match=r"PUBLIC key.*PRIVATE key"):
        load_private_key(keys.public)


def test_unsupported_key_type(keys) -> None:
    with pytest.raises(PrivateKeyError, match="RSA or Ed25519"):
        load_private_key(keys.ec)


def test_errors_never_show_key_material(keys) -> None:
    pem = keys.encrypted_pkcs8.read_text()
    body = "".join(pem.splitlines()[1:-1])
    for call in (
        lambda: load_private_key(keys.encrypted_pkcs8),
        lambda: load_private_key(keys.encrypted_pkcs8, password="nope"),
        lambda: load_private_key(keys.public),
    ):
        with pytest.raises(PrivateKeyError) as info:
            call()
        text = str(info.value) + repr(info.value)
        assert body[:40] not in text
        assert KEY_PASSWORD not in text
        assert str(keys.rsa_pkcs8.parent) not in text
        # no chained cryptography error to print alongside it
        err = info.value
        assert err.__cause__ is None
        assert err.__context__ is None or err.__suppress_context__
