"""Configuration: environment variables, .env loading, hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from kalshi_nb import config
from kalshi_nb.client import KalshiClient

PROD = "https://external-api.kalshi.com/trade-api/v2"
DEMO = "https://external-api.demo.kalshi.co/trade-api/v2"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("TRUE", True), ("True", True), ("false", False), ("FALSE", False), ("fAlSe", False)],
)
def test_use_demo_accepts_true_false_in_any_case(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("KALSHI_USE_DEMO", raw)
    assert config.get_use_demo() is expected
    assert config.get_api_base() == (DEMO if expected else PROD)


@pytest.mark.parametrize("raw", ["1", "yes", "on", "ture", "demo"])
def test_use_demo_rejects_anything_else_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("KALSHI_USE_DEMO", raw)
    with pytest.raises(ValueError, match="KALSHI_USE_DEMO") as info:
        config.get_use_demo()
    assert repr(raw) in str(info.value)


def test_unset_means_production_on_the_recommended_host() -> None:
    assert config.get_api_base() == PROD
    assert config.get_api_base(use_demo=True) == DEMO


def test_api_base_override_wins_and_must_end_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALSHI_USE_DEMO", "true")
    monkeypatch.setenv("KALSHI_API_BASE", "http://127.0.0.1:8765/trade-api/v2/")
    assert config.get_api_base() == "http://127.0.0.1:8765/trade-api/v2"
    # the older hosts still work through the override
    monkeypatch.setenv("KALSHI_API_BASE", "https://api.elections.kalshi.com/trade-api/v2")
    assert config.get_api_base() == "https://api.elections.kalshi.com/trade-api/v2"
    for bad in (
        "https://external-api.kalshi.com",
        "https://external-api.kalshi.com/trade-api/v1",
        "external-api.kalshi.com/trade-api/v2",
        "ftp://x/trade-api/v2",
    ):
        monkeypatch.setenv("KALSHI_API_BASE", bad)
        with pytest.raises(ValueError, match="KALSHI_API_BASE"):
            config.get_api_base()


def test_environment_names() -> None:
    assert config.environment_of(PROD) == "prod"
    assert config.environment_of("https://api.elections.kalshi.com/trade-api/v2") == "prod"
    assert config.environment_of(DEMO) == "demo"
    assert config.environment_of("https://demo-api.kalshi.co/trade-api/v2") == "demo"
    # Loopback is the sandbox only once it has proved it (envcheck); until then, and any other host, is prod.
    assert config.environment_of("http://127.0.0.1:5000/trade-api/v2") == "prod"
    assert config.environment_of("http://127.0.0.1:5000/trade-api/v2", sandbox_proven=True) == "sandbox"
    assert config.environment_of("https://proxy.example.com/trade-api/v2", sandbox_proven=True) == "prod"
    assert config.environment_of("https://proxy.example.com/trade-api/v2") == "prod"


def test_dotenv_is_loaded_but_never_overrides(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    (clean_env / ".env").write_text(
        "KALSHI_API_KEY_ID=from-dotenv\nKALSHI_USE_DEMO=true\nKALSHI_PRIVATE_KEY_PATH=~/k.pem\n"
    )
    monkeypatch.setenv("KALSHI_USE_DEMO", "false")  # already set: the file must not change it
    assert config.get_key_id() == "from-dotenv"
    assert config.get_use_demo() is False
    assert config.get_private_key_path() == str(Path("~/k.pem").expanduser())
    assert config.has_credentials()


def test_dotenv_found_in_a_parent_directory(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text("KALSHI_API_KEY_ID=parent\n")
    sub = clean_env / "notebooks"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert config.get_key_id() == "parent"


def test_client_names_every_missing_variable() -> None:
    with pytest.raises(ValueError, match="KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY_PATH") as info:
        KalshiClient()
    assert "read_only" in str(info.value)


def test_client_names_only_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALSHI_API_KEY_ID", "abc")
    with pytest.raises(ValueError, match="KALSHI_PRIVATE_KEY_PATH") as info:
        KalshiClient()
    assert "KALSHI_API_KEY_ID" not in str(info.value).split(".")[0]


def test_keyword_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch, keys) -> None:
    monkeypatch.setenv("KALSHI_API_KEY_ID", "env-key-id-0000000000")
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", str(keys.garbage))  # would fail to load if used
    monkeypatch.setenv("KALSHI_API_BASE", "http://127.0.0.1:1/trade-api/v2")
    client = KalshiClient(key_id="kw-key-id-1111111111", private_key_path=str(keys.rsa_pkcs8), use_demo=True)
    assert client.key_id == "kw-key-id-1111111111"
    assert client.api_base == DEMO
    assert client.env == "demo"
    client2 = KalshiClient(private_key=keys.ed25519, api_base="http://localhost:9/trade-api/v2")
    assert client2.key_id == "env-key-id-0000000000"
    assert client2.env == "prod"  # nothing on that port proved it is the sandbox


def test_env_credentials_are_used(monkeypatch: pytest.MonkeyPatch, keys) -> None:
    monkeypatch.setenv("KALSHI_API_KEY_ID", "env-key-id-0000000000")
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", str(keys.rsa_pkcs1))
    monkeypatch.setenv("KALSHI_USE_DEMO", "TRUE")
    client = KalshiClient()
    assert (client.key_id, client.api_base, client.is_read_only) == ("env-key-id-0000000000", DEMO, False)


def test_read_only_needs_no_credentials() -> None:
    client = KalshiClient.read_only()
    assert client.is_read_only
    assert client.key_id is None
    assert client.api_base == PROD
    assert KalshiClient(read_only=True, use_demo=True).api_base == DEMO


def test_env_example_documents_every_variable() -> None:
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for name in (*config.ENV_VARIABLES, config.ENV_LIVE_TRADING, config.ENV_DATA_DIR):
        assert name in text, name
    # and nothing that looks like a real secret
    assert "MII" not in text
    assert "-----END" not in text


def test_signed_requests_go_only_to_kalshi_or_this_machine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A .env in a folder above the notebook's could point a signed client anywhere; only Kalshi's own
    # domains and loopback are accepted, whatever the source of the URL.
    parent = tmp_path / "parent"
    (parent / "work").mkdir(parents=True)
    (parent / ".env").write_text("KALSHI_API_BASE=https://evil.example/trade-api/v2\n")
    monkeypatch.delenv("KALSHI_API_BASE", raising=False)
    monkeypatch.chdir(parent / "work")
    with pytest.raises(ValueError, match="not a Kalshi host"):
        config.get_api_base()
    for bad in ("https://kalshi.com.evil.example/trade-api/v2", "https://evilkalshi.com/trade-api/v2"):
        with pytest.raises(ValueError, match="not a Kalshi host"):
            KalshiClient.read_only(bad)
    assert KalshiClient.read_only("https://api.elections.kalshi.com/trade-api/v2").env == "prod"
