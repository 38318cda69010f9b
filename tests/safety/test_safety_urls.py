"""Issue 9, item 2: the environment is decided from where the request really goes.

The old client classified ``https://external-api.kalshi.com\\@127.0.0.1/../trade-api/v2`` as the local
sandbox (``urllib.parse`` reads the host as 127.0.0.1) while ``requests``/urllib3 connected to
external-api.kalshi.com; it trusted any loopback URL as fake money. These tests fail if either comes back:
every hostile base URL is refused or classified production, and only a sandbox that proved itself is
``local``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import urllib3

import kalshi_nb
from kalshi_nb import config, safety
from kalshi_nb.client import KalshiClient

PROD = "https://external-api.kalshi.com/trade-api/v2"
DEMO = "https://external-api.demo.kalshi.co/trade-api/v2"
# A loopback port with (almost certainly) nothing behind it: nothing there can prove it is the sandbox.
DEAD = "127.0.0.1:9"

# Base URLs that must be refused outright (ValueError): the issue names userinfo, backslashes, whitespace,
# control characters, dot segments and non-https schemes (http only for loopback).
MUST_REFUSE = [
    # userinfo and backslash tricks: urllib.parse and urllib3 disagree about which host this is
    "https://external-api.kalshi.com\\@127.0.0.1/../trade-api/v2",
    "https://external-api.kalshi.com\\@127.0.0.1/trade-api/v2",
    "http://external-api.kalshi.com\\@127.0.0.1:8000/trade-api/v2",
    "https://external-api.demo.kalshi.co\\@127.0.0.1/trade-api/v2",
    "https://127.0.0.1@external-api.kalshi.com/trade-api/v2",
    "http://127.0.0.1@external-api.kalshi.com/trade-api/v2",
    "https://external-api.demo.kalshi.co@external-api.kalshi.com/trade-api/v2",
    "https://user:pass@external-api.kalshi.com/trade-api/v2",
    "https://:@external-api.kalshi.com/trade-api/v2",
    "https://external-api.kalshi.com%5C@127.0.0.1/trade-api/v2",
    "https://external-api.kalshi.com%40127.0.0.1/trade-api/v2",
    "https:\\\\external-api.kalshi.com\\trade-api\\v2",
    "https://external-api.kalshi.com\\trade-api/v2",
    "http://127.0.0.1\\@external-api.kalshi.com/trade-api/v2",
    # whitespace and control characters (stripped or split differently by each parser)
    " https://external-api.kalshi.com/trade-api/v2",
    "https://external-api.kalshi.com /trade-api/v2",
    "https://external-api.kalshi.com/trade-api/v2 ",
    "https://external-api.kalshi.com\t.evil.example/trade-api/v2",
    "https://external-api.kalshi.com\n@127.0.0.1/trade-api/v2",
    "http://127.0.0.1\r\n:8000/trade-api/v2",
    "https://external-api.kalshi.com\x00.evil.example/trade-api/v2",
    "http://127.0.0.1:8000/trade-api/v2\x00",
    "https://external-api.kalshi.com\x7f/trade-api/v2",
    "https://external-api.kalshi.com\x1b/trade-api/v2",
    "https://external-api.kalshi.com\u00a0/trade-api/v2",
    "https://external-api.kalshi.com\u2028/trade-api/v2",
    # dot segments, raw or escaped (normalised away by some layer)
    "http://127.0.0.1:8000/../trade-api/v2",
    "http://127.0.0.1:8000/x/../trade-api/v2",
    "http://127.0.0.1:8000/./trade-api/v2",
    "https://external-api.kalshi.com/trade-api/v2/..",
    "https://external-api.kalshi.com/trade-api/v2/.",
    "http://127.0.0.1:8000/%2e%2e/trade-api/v2",
    "http://127.0.0.1:8000/%2E%2E/trade-api/v2",
    "http://127.0.0.1:8000/%2e/trade-api/v2",
    "https://external-api.kalshi.com/trade-api/v2/%2e%2e",
    "http://127.0.0.1:8000/trade-api%2fv2",
    "http://127.0.0.1:8000//trade-api/v2",
    # http to anything but loopback, and other schemes
    "http://evil.example/trade-api/v2",
    "http://external-api.kalshi.com/trade-api/v2",
    "http://external-api.demo.kalshi.co/trade-api/v2",
    "http://127.0.0.1.nip.io/trade-api/v2",
    "http://localhost.evil.example/trade-api/v2",
    "ftp://external-api.kalshi.com/trade-api/v2",
    "file:///trade-api/v2",
    "ws://127.0.0.1:8000/trade-api/v2",
    "javascript://external-api.kalshi.com/trade-api/v2",
    "//external-api.kalshi.com/trade-api/v2",
    "external-api.kalshi.com/trade-api/v2",
    "https:/external-api.kalshi.com/trade-api/v2",
    "https:///trade-api/v2",
    # IDNA / unicode look-alikes (a Cyrillic a (U+0430), a full-width dot, a dotless i)
    "https://external-\u0430pi.kalshi.com/trade-api/v2",
    "https://external-api.kalshi\uff0ecom/trade-api/v2",
    "https://external-api.demo.kalsh\u0131.co/trade-api/v2",
    "http://\uff11\uff12\uff17.0.0.1:8000/trade-api/v2",
    # query, fragment, bad ports
    "https://external-api.kalshi.com/trade-api/v2?x=1",
    "https://external-api.kalshi.com/trade-api/v2#frag",
    "http://127.0.0.1#@external-api.kalshi.com/trade-api/v2",
    "http://127.0.0.1?@external-api.kalshi.com/trade-api/v2",
    "http://127.0.0.1:0/trade-api/v2",
    "http://127.0.0.1:99999/trade-api/v2",
    "http://127.0.0.1:-1/trade-api/v2",
    "http://127.0.0.1:80a/trade-api/v2",
    "http://127.0.0.1:8000:8001/trade-api/v2",
    # not the API at all
    "",
    "https://external-api.kalshi.com",
    "https://external-api.kalshi.com/trade-api/v1",
    "https://external-api.kalshi.com/trade-api/v2/markets",
]

# Hostile or odd URLs a careful validator may accept, but then only as production (never local or demo)
# unless the host urllib3 connects to really is Kalshi's demo.
REFUSE_OR_PROD = [
    "https://external-api.kalshi.com./trade-api/v2",
    "https://EXTERNAL-API.KALSHI.COM/trade-api/v2",
    "https://external-api.kalshi.com:443/trade-api/v2",
    "https://external-api.kalshi.com:8443/trade-api/v2",
    "https://xn--external-pi-5ij.kalshi.com/trade-api/v2",  # punycode of the look-alike above
    "https://demo-api.kalshi.co.evil.example/trade-api/v2",
    "https://external-api.demo.kalshi.co.evil.example/trade-api/v2",
    "https://evil-external-api.demo.kalshi.co/trade-api/v2",
    "https://kalshi.co/trade-api/v2",
    "https://demo.kalshi.co/trade-api/v2",
    "https://external-api.demo.kalshi.com/trade-api/v2",
    "https://evil.example/trade-api/v2",
    "https://evil.example/prefix/trade-api/v2",
    "https://127.0.0.1/trade-api/v2",
    "https://localhost/trade-api/v2",
    "https://[::1]/trade-api/v2",
    f"http://{DEAD}/trade-api/v2",
    "http://localhost:9/trade-api/v2",
    "http://LOCALHOST:9/trade-api/v2",
    "http://[::1]:9/trade-api/v2",
    "http://[0:0:0:0:0:0:0:1]:9/trade-api/v2",
    "http://[::ffff:127.0.0.1]:9/trade-api/v2",
    "http://127.0.0.2:9/trade-api/v2",
    "http://0x7f.1:9/trade-api/v2",
    "http://0x7f000001:9/trade-api/v2",
    "http://2130706433:9/trade-api/v2",
    "http://127.1:9/trade-api/v2",
    "http://0177.0.0.1:9/trade-api/v2",
    "http://0:9/trade-api/v2",
    "http://0.0.0.0:9/trade-api/v2",
    "https://0x7f.1/trade-api/v2",
    "https://127.1/trade-api/v2",
    "http://127.0.0.1.:9/trade-api/v2",
    "http://localhost.:9/trade-api/v2",
    "https://external-api.demo.kalshi.co./trade-api/v2",
    "https://EXTERNAL-API.DEMO.KALSHI.CO/trade-api/v2",
    "https://external-api.demo.kalshi.co:443/trade-api/v2",
]


def _connect_host(url: str) -> str:
    """The host urllib3 (what ``requests`` really uses) would open a connection to."""
    host = urllib3.util.parse_url(url + "/markets").host or ""
    return host.lower().rstrip(".").strip("[]")


def _classify(url: str) -> str | None:
    """``client.env`` for a read-only client on ``url``, or None when the URL is refused."""
    try:
        client = KalshiClient(api_base=url, read_only=True, rate_limit=None, timeout=1.0)
    except ValueError:
        return None
    try:
        return client.env
    finally:
        client.close()


@pytest.mark.parametrize("url", MUST_REFUSE)
def test_hostile_base_url_is_refused_by_the_client(url: str) -> None:
    with pytest.raises(ValueError, match="api_base"):
        KalshiClient(api_base=url, read_only=True, rate_limit=None)


@pytest.mark.parametrize("url", MUST_REFUSE)
def test_hostile_base_url_is_refused_by_validate_api_base(url: str) -> None:
    with pytest.raises(ValueError, match="api_base"):
        config.validate_api_base(url)


@pytest.mark.parametrize("url", MUST_REFUSE + REFUSE_OR_PROD)
def test_accepted_url_is_never_local_and_demo_only_when_urllib3_goes_to_demo(url: str) -> None:
    env = _classify(url)
    if env is None:
        return  # refused: the safe answer
    assert env != "sandbox", f"{url!r} was trusted as the sandbox without any sandbox behind it"
    if env == "demo":
        assert _connect_host(url) in config.DEMO_HOSTS, (
            f"{url!r} is classified demo but requests would connect to {_connect_host(url)!r}"
        )
    else:
        assert env == "prod", f"{url!r} classified {env!r}"


@pytest.mark.parametrize("url", MUST_REFUSE + REFUSE_OR_PROD)
def test_accepted_url_means_the_same_host_to_every_parser(url: str) -> None:
    """What the client keeps as its base must name, to urllib.parse and urllib3 alike, one host."""
    try:
        client = KalshiClient(api_base=url, read_only=True, rate_limit=None)
    except ValueError:
        return
    from urllib.parse import urlsplit

    base = client.api_base
    client.close()
    assert (urlsplit(base).hostname or "").lower().rstrip(".") == _connect_host(base), base
    assert "@" not in base, base
    assert "\\" not in base, base
    assert not any(ch.isspace() for ch in base), base


def test_the_issue_url_is_refused_and_not_a_sandbox() -> None:
    url = "https://external-api.kalshi.com\\@127.0.0.1/../trade-api/v2"
    with pytest.raises(ValueError, match="api_base"):
        KalshiClient(api_base=url, read_only=True)
    with pytest.raises(ValueError, match="api_base"):
        KalshiClient.read_only(url)


def test_plain_hosts_are_classified_by_their_documented_names() -> None:
    for url, env in (
        (PROD, "prod"),
        (config.LEGACY_PROD_API_BASE, "prod"),
        (DEMO, "demo"),
        (config.LEGACY_DEMO_API_BASE, "demo"),
    ):
        client = KalshiClient(api_base=url, read_only=True, rate_limit=None)
        assert client.env == env, url
        client.close()
    assert KalshiClient(use_demo=True, read_only=True, rate_limit=None).env == "demo"
    assert KalshiClient(use_demo=False, read_only=True, rate_limit=None).env == "prod"


def test_classify_api_base_if_present_agrees_with_the_client() -> None:
    classify = getattr(config, "classify_api_base", None) or getattr(config, "environment_of", None)
    assert classify is not None, "config has no URL classifier (classify_api_base / environment_of)"
    assert classify(PROD) == "prod"
    assert classify(DEMO) == "demo"
    # A loopback URL on its own (no sandbox proof) is production.
    assert classify(f"http://{DEAD}/trade-api/v2") == "prod"
    assert classify("http://localhost:9/trade-api/v2") == "prod"


def test_environment_cannot_be_forced_to_local_or_demo() -> None:
    client = KalshiClient(api_base=f"http://{DEAD}/trade-api/v2", read_only=True, rate_limit=None)
    for forced in ("local", "demo", "sandbox"):
        with pytest.raises((ValueError, AttributeError, TypeError)):
            client.env = forced
    assert client.env == "prod"
    client.close()


# --- the .env file ---------------------------------------------------------------------------------

HOSTILE_FOR_ENV_FILE = [
    "https://external-api.kalshi.com\\@127.0.0.1/../trade-api/v2",
    "https://127.0.0.1@external-api.kalshi.com/trade-api/v2",
    "http://evil.example/trade-api/v2",
    "http://127.0.0.1:8000/%2e%2e/trade-api/v2",
]


@pytest.mark.parametrize("url", HOSTILE_FOR_ENV_FILE)
def test_hostile_api_base_in_an_explicit_env_file_is_refused(url: str, tmp_path: Path) -> None:
    env_file = tmp_path / "explicit.env"
    env_file.write_text(f'KALSHI_API_BASE="{url}"\n')
    assert config.load_env_file(env_file) is not None
    with pytest.raises(ValueError, match="KALSHI_API_BASE"):
        KalshiClient(read_only=True, rate_limit=None)
    with pytest.raises(ValueError, match="KALSHI_API_BASE"):
        config.get_api_base()


@pytest.mark.parametrize("url", HOSTILE_FOR_ENV_FILE)
def test_hostile_api_base_in_a_parent_folders_env_file_is_refused(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = tmp_path / "project"
    child = parent / "notebooks" / "deep"
    child.mkdir(parents=True)
    (parent / ".env").write_text(f"KALSHI_API_BASE={url}\n")
    monkeypatch.chdir(child)
    with pytest.raises(ValueError, match="KALSHI_API_BASE"):
        KalshiClient(read_only=True, rate_limit=None)


def test_env_file_pointing_at_a_loopback_stub_is_production(
    stub_server: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / ".env").write_text(f"KALSHI_API_BASE={stub_server.url}\n")
    monkeypatch.chdir(tmp_path / "proj")
    client = KalshiClient(read_only=True, rate_limit=None, timeout=2.0)
    assert client.api_base == stub_server.url
    assert client.env == "prod"
    client.close()


def test_env_file_pointing_at_the_real_sandbox_is_local(
    sb: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / ".env").write_text(f"KALSHI_API_BASE={sb.url}\n")
    monkeypatch.chdir(tmp_path / "proj")
    client = KalshiClient(read_only=True, rate_limit=None, timeout=2.0)
    assert client.env == "sandbox"
    client.close()


# --- loopback: only the proven sandbox is fake money -------------------------------------------------


def test_the_in_package_sandbox_is_local(sb: object) -> None:
    client = KalshiClient(api_base=sb.url, read_only=True, rate_limit=None)
    assert client.env == "sandbox"
    client.close()
    # localhost names the same socket; the proof is the same.
    alias = sb.url.replace("127.0.0.1", "localhost")
    client = KalshiClient(api_base=alias, read_only=True, rate_limit=None)
    assert client.env == "sandbox"
    client.close()


def test_a_loopback_stub_that_answers_everything_is_production(stub_server: object) -> None:
    client = KalshiClient(api_base=stub_server.url, read_only=True, rate_limit=None, timeout=2.0)
    assert client.env == "prod"
    assert safety.is_production(client)
    client.close()


def test_a_transparent_proxy_in_front_of_the_sandbox_is_production(proxy: object) -> None:
    """The proxy forwards even the identity route; it still cannot prove it *is* the sandbox (its port has
    no secret), exactly like a local proxy in front of production."""
    client = KalshiClient(api_base=proxy.url, read_only=True, rate_limit=None, timeout=5.0)
    assert client.get_exchange_status() is not None  # it works as an API ...
    assert client.env == "prod"  # ... but it is not fake money
    client.close()


def test_a_stub_that_echoes_any_proof_is_production(stub_server: object) -> None:
    """A server that answers the identity route with made-up JSON is not the sandbox."""
    import json

    fake = json.dumps({"sandbox": "kalshi_nb", "proof": "0" * 64}).encode()
    stub_server.answers.extend([(200, fake)] * 5)
    client = KalshiClient(api_base=stub_server.url, read_only=True, rate_limit=None, timeout=2.0)
    assert client.env == "prod"
    client.close()


def test_a_stub_on_a_port_with_a_forged_secret_file_is_production(stub_server: object) -> None:
    """A secret file for the port that the server cannot use: the proof is an HMAC, not the file's presence."""
    folder = config.data_dir() / "sandbox"
    folder.mkdir(parents=True, exist_ok=True)
    forged = folder / f"127.0.0.1_{stub_server.port}.secret"
    forged.write_text("ab" * 32)
    try:
        client = KalshiClient(api_base=stub_server.url, read_only=True, rate_limit=None, timeout=2.0)
        assert client.env == "prod"
        client.close()
    finally:
        forged.unlink(missing_ok=True)


def test_place_order_through_a_loopback_stub_refuses_and_sends_no_write(
    sb: object, stub_server: object
) -> None:
    """The README's ``client.place_order`` on an unproven loopback URL: refused, no POST reaches the server."""
    market = _open_market(sb)
    client = KalshiClient(
        key_id=sb.key_id,
        private_key_path=sb.private_key_path,
        api_base=stub_server.url,
        rate_limit=None,
        timeout=2.0,
    )
    assert client.env == "prod"
    with pytest.raises(kalshi_nb.LiveTradingDisabledError, match="enable_live_trading"):
        client.place_order(market["ticker"], "yes", 1, 1, market=market)
    assert stub_server.writes() == [], [(s.method, s.path) for s in stub_server.writes()]
    client.close()


def test_place_order_without_a_market_through_a_loopback_stub_sends_no_write(
    sb: object, stub_server: object
) -> None:
    market = _open_market(sb)
    client = KalshiClient(
        key_id=sb.key_id,
        private_key_path=sb.private_key_path,
        api_base=stub_server.url,
        rate_limit=None,
        timeout=2.0,
    )
    # Whatever the refusal (the stub's empty market, or the guard), the point is that nothing is written.
    with pytest.raises((kalshi_nb.KalshiError, ValueError, KeyError, TypeError)):
        client.place_order(market["ticker"], "yes", 1, 1)
    assert stub_server.writes() == []
    client.close()


def test_place_order_through_a_proxy_to_the_sandbox_refuses_and_sends_no_write(
    sb: object, proxy: object
) -> None:
    market = _open_market(sb)
    client = KalshiClient(
        key_id=sb.key_id,
        private_key_path=sb.private_key_path,
        api_base=proxy.url,
        rate_limit=None,
        timeout=5.0,
    )
    before = len(sb.exchange.orders(sb.user_id))
    with pytest.raises(kalshi_nb.LiveTradingDisabledError, match="enable_live_trading"):
        client.place_order(market["ticker"], "yes", 1, 1)
    assert proxy.writes() == []
    assert [r for r in sb.requests if r.method != "GET"] == []
    assert len(sb.exchange.orders(sb.user_id)) == before
    client.close()


def test_the_same_order_on_the_proven_sandbox_goes_through(sb: object) -> None:
    """The control for the refusals above: the guard is about the URL, not the order."""
    market = _open_market(sb)
    client = KalshiClient(
        key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url, rate_limit=None, timeout=5.0
    )
    assert client.env == "sandbox"
    result = client.place_order(market["ticker"], "yes", 1, 1)
    assert result["order"]["order_id"]
    client.close()


def test_a_stub_on_a_dead_sandbox_port_is_production_after_the_sandbox_stops(tmp_path: Path) -> None:
    """A sandbox that stopped leaves no proof: whatever listens on its port later is production."""
    from kalshi_nb.sandbox import Sandbox

    box = Sandbox(seed=1, rate_limit=None).start()
    url = box.url
    client = KalshiClient(api_base=url, read_only=True, rate_limit=None, timeout=1.0)
    assert client.env == "sandbox"
    client.close()
    box.stop()
    client = KalshiClient(api_base=url, read_only=True, rate_limit=None, timeout=1.0)
    assert client.env == "prod"
    client.close()
    with pytest.raises(requests.RequestException):
        requests.get(url + "/exchange/status", timeout=1.0)


def _open_market(sb: object) -> dict:
    for m in sb.exchange.markets(status="open"):
        if m["ticker"].startswith("KXMVE") or m.get("price_level_structure") != "linear_cent":
            continue
        if m.get("fractional_trading_enabled"):
            continue
        if float(m.get("yes_ask_dollars") or 0) >= 0.05:
            return m
    raise LookupError("no plain open market in the sandbox data")
