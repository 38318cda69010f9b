"""config.get_ws_url: Kalshi's feed for Kalshi's hosts, a loopback feed only for a loopback sandbox."""

from __future__ import annotations

import pytest

from kalshi_nb import config

SANDBOX = "http://127.0.0.1:8000/trade-api/v2"


def test_kalshi_hosts() -> None:
    assert config.get_ws_url(config.PROD_API_BASE) == "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
    assert (
        config.get_ws_url(config.LEGACY_DEMO_API_BASE)
        == "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
    )


def test_sandbox_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.ENV_WS_URL, raising=False)
    monkeypatch.setattr(config, "_env", lambda name: None)
    with pytest.raises(ValueError, match="KALSHI_WS_URL"):
        config.get_ws_url(SANDBOX)
    monkeypatch.setattr(config, "_env", lambda name: "ws://localhost:9/trade-api/ws/v2")
    assert config.get_ws_url(SANDBOX) == "ws://localhost:9/trade-api/ws/v2"
    assert config.get_ws_url(SANDBOX, ws_url="ws://127.0.0.1:7/trade-api/ws/v2").endswith(
        ":7/trade-api/ws/v2"
    )


@pytest.mark.parametrize(
    "url",
    ["wss://evil.example/trade-api/ws/v2", "http://127.0.0.1:7/trade-api/ws/v2", "ws://127.0.0.1:7/other"],
)
def test_a_signed_upgrade_goes_nowhere_else(url: str) -> None:
    with pytest.raises(ValueError, match="on this machine"):
        config.get_ws_url(SANDBOX, ws_url=url)


def test_unknown_host_has_no_feed() -> None:
    with pytest.raises(ValueError, match="no known WebSocket URL"):
        config.get_ws_url("https://example.com/trade-api/v2")
