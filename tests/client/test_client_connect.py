"""kalshi_nb.connect(): the notebook entry point."""

from __future__ import annotations

import logging

import pytest

import kalshi_nb
from kalshi_nb import defaults as connect_module


@pytest.fixture(autouse=True)
def no_default():
    yield
    kalshi_nb.set_default_client(None)  # also stops a sandbox connect() started


def test_no_credentials_starts_the_sandbox_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="kalshi_nb")
    client = kalshi_nb.connect(rate_limit=None)
    assert client.env == "sandbox"
    assert not client.is_read_only
    assert kalshi_nb.default_client() is client
    lines = [r.getMessage() for r in caplog.records if r.name == "kalshi_nb"]
    assert len(lines) == 1
    assert "sandbox" in lines[0]
    assert client.api_base in lines[0]
    assert "\n" not in lines[0]
    # it works, signed, against the sandbox
    assert isinstance(client.get_balance()["balance"], int)
    sandbox = connect_module.current_sandbox()
    assert sandbox is not None
    assert sandbox.url == client.api_base


def test_configured_credentials_are_used(sb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALSHI_API_KEY_ID", sb.key_id)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", sb.private_key_path)
    monkeypatch.setenv("KALSHI_API_BASE", sb.url)
    client = kalshi_nb.connect(rate_limit=None)
    assert client.api_base == sb.url
    assert client.key_id == sb.key_id
    assert connect_module.current_sandbox() is None  # no extra sandbox was started
    assert isinstance(client.get_balance()["balance"], int)


def test_explicit_environments() -> None:
    prod = kalshi_nb.connect("prod", read_only=True)
    assert prod.api_base == "https://external-api.kalshi.com/trade-api/v2"
    assert prod.is_read_only
    demo = kalshi_nb.connect("DEMO", read_only=True)
    assert demo.api_base == "https://external-api.demo.kalshi.co/trade-api/v2"
    assert kalshi_nb.default_client() is demo
    with pytest.raises(ValueError, match="KALSHI_API_KEY_ID"):
        kalshi_nb.connect("prod")  # no credentials and not read-only: refuse, naming what is missing
    with pytest.raises(ValueError, match="env must be"):
        kalshi_nb.connect("production-ish")


def test_reconnecting_stops_the_previous_sandbox() -> None:
    first = kalshi_nb.connect("sandbox", rate_limit=None)
    first_sandbox = connect_module.current_sandbox()
    second = kalshi_nb.connect("sandbox", rate_limit=None)
    assert not first_sandbox.running
    assert connect_module.current_sandbox().running
    assert second.get_exchange_status()["exchange_active"] in (True, False)
    assert first is not second


def test_default_client_before_connect() -> None:
    kalshi_nb.set_default_client(None)
    with pytest.raises(RuntimeError, match="connect"):
        kalshi_nb.default_client()


@pytest.mark.parametrize(
    ("present", "missing"),
    [("KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH"), ("KALSHI_PRIVATE_KEY_PATH", "KALSHI_API_KEY_ID")],
)
def test_half_the_credentials_is_an_error_naming_the_other(
    monkeypatch: pytest.MonkeyPatch, present: str, missing: str
) -> None:
    monkeypatch.delenv(missing, raising=False)
    monkeypatch.setenv(missing, "")  # blank, so no .env can fill it in
    monkeypatch.setenv(present, "/tmp/k.pem" if present.endswith("PATH") else "abcd-efgh-ijkl-mnop")
    with pytest.raises(ValueError, match=f"{present} is set but {missing} is not"):
        kalshi_nb.connect()
    assert connect_module.current_sandbox() is None  # no silent fall back to the sandbox


def test_credentials_say_which_exchange_and_key_in_one_line(
    sb, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KALSHI_API_KEY_ID", sb.key_id)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", sb.private_key_path)
    monkeypatch.setenv("KALSHI_API_BASE", sb.url)
    caplog.set_level(logging.INFO, logger="kalshi_nb")
    client = kalshi_nb.connect(rate_limit=None)
    lines = [r.getMessage() for r in caplog.records if r.name == "kalshi_nb"]
    assert len(lines) == 1
    assert client.api_base in lines[0]
    assert "sandbox" in lines[0]
    assert sb.key_id[:4] in lines[0]
    assert sb.key_id not in lines[0]  # shortened


@pytest.mark.parametrize(("raw", "rate"), [(None, 2.0), ("0", 0.0), ("5", 5.0)])
def test_the_sandbox_activity_rate_comes_from_the_environment(monkeypatch, raw, rate) -> None:
    from kalshi_nb import config

    if raw is None:
        monkeypatch.delenv(config.ENV_SANDBOX_ACTIVITY, raising=False)
    else:
        monkeypatch.setenv(config.ENV_SANDBOX_ACTIVITY, raw)
    assert config.sandbox_activity_rate() == rate


@pytest.mark.parametrize("raw", ["fast", "-1", "1e9"])
def test_a_bad_sandbox_activity_rate_says_what_to_do(monkeypatch, raw) -> None:
    from kalshi_nb import config

    monkeypatch.setenv(config.ENV_SANDBOX_ACTIVITY, raw)
    with pytest.raises(ValueError, match="KALSHI_NB_SANDBOX_ACTIVITY"):
        config.sandbox_activity_rate()


def test_connects_sandbox_moves_by_itself_and_names_its_feed(monkeypatch) -> None:
    monkeypatch.setenv("KALSHI_NB_SANDBOX_ACTIVITY", "50")
    client = kalshi_nb.connect("sandbox", rate_limit=None)
    sandbox = connect_module.current_sandbox()
    assert client.ws_url == sandbox.ws_url
    assert client.ws_url.startswith("ws://127.0.0.1:") and client.ws_url.endswith("/trade-api/ws/v2")
    assert sandbox.activity is not None and sandbox.activity.running
    import time

    deadline = time.monotonic() + 10
    while sandbox.activity.orders_sent == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox.activity.orders_sent > 0
