"""Manual checks against the real Kalshi API. Deselected by default; run with ``pytest -m live``.

Needs credentials in the environment or a .env (demo recommended: KALSHI_USE_DEMO=true). Read-only calls
only: nothing here places an order.
"""

from __future__ import annotations

import pytest

from kalshi_nb.client import KalshiClient

pytestmark = pytest.mark.live


def test_live_market_data_read_only() -> None:
    client = KalshiClient.read_only()
    assert "exchange_active" in client.get_exchange_status()
    page = client.get_markets(limit=5, mve_filter="exclude")
    assert isinstance(page["cursor"], str)


def test_live_signed_balance() -> None:
    client = KalshiClient()
    assert isinstance(client.get_balance()["balance"], int)
