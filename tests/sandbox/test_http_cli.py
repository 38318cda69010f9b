"""`python -m kalshi_nb.sandbox` as a user runs it: a subprocess that prints its URL and serves until Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from helpers import PREFIX, auth_headers, load_private_key, new_ed25519_key, public_pem

from kalshi_nb.sandbox.__main__ import main

STARTUP_TIMEOUT = 120


class Cli:
    def __init__(self, proc: subprocess.Popen, lines: queue.Queue) -> None:
        self.proc = proc
        self.lines = lines
        self.banner: list[str] = []

    def readline(self, timeout: float = STARTUP_TIMEOUT) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output from the CLI within {timeout} s") from None
        if line is None:
            raise AssertionError(f"the CLI exited early: {self.proc.wait()} {self.proc.stderr.read()}")
        self.banner.append(line)
        return line

    @property
    def url(self) -> str:
        first = self.banner[0] if self.banner else self.readline()
        assert first.startswith("Kalshi sandbox: "), first
        return first.split(": ", 1)[1].strip()

    def read_banner(self) -> list[str]:
        while not self.banner or "Ctrl-C" not in self.banner[-1]:
            self.readline()
        return self.banner


def _free_port_pair() -> int:
    """A port P with P and P+1 both free, below the kernel's ephemeral range.

    The CLI puts its WebSocket feed on --port + 1. A port from bind(0) lies in the ephemeral range, where
    any outgoing connection of another test (or of the first CLI, in TIME_WAIT) may hold P+1 by the time
    the second CLI binds it: that failed a CI run once. Ports below the range are never handed out that way.
    """
    import random
    import socket

    ranges = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ranges.read_text().split()[0]) if ranges.exists() else 32768  # Linux's default elsewhere
    for port in random.Random().sample(range(20000, min(low, 32768) - 1), 200):
        with socket.socket() as a, socket.socket() as b:
            try:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise AssertionError("no two adjacent free ports between 20000 and the ephemeral range")


@contextmanager
def cli(*args: str) -> Iterator[Cli]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kalshi_nb.sandbox", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        yield Cli(proc, lines)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        reader.join(timeout=5)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]


def test_serves_until_interrupted():
    with cli("--seed", "1", "--rate-limit", "off") as c:
        url = c.url
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/trade-api/v2")
        resp = requests.get(url + "/markets", params={"limit": 2}, timeout=10)
        assert resp.status_code == 200
        assert len(resp.json()["markets"]) == 2
        c.read_banner()
        c.proc.send_signal(signal.SIGINT)
        assert c.proc.wait(timeout=20) == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "/markets", timeout=5)


def test_sigterm_stops_cleanly():
    with cli() as c:
        c.read_banner()
        c.proc.send_signal(signal.SIGTERM)
        assert c.proc.wait(timeout=20) == 0


def test_write_env_produces_a_working_env(tmp_path: Path):
    env_file = tmp_path / "sub" / ".env"
    env_file.parent.mkdir()
    with cli("--write-env", str(env_file)) as c:
        c.read_banner()
        values = dict(
            line.split("=", 1)
            for line in env_file.read_text().splitlines()
            if line and not line.startswith("#")
        )
        assert set(values) == {
            "KALSHI_API_BASE",
            "KALSHI_API_KEY_ID",
            "KALSHI_PRIVATE_KEY_PATH",
            "KALSHI_WS_URL",
        }
        assert values["KALSHI_API_BASE"] == c.url
        key_path = Path(values["KALSHI_PRIVATE_KEY_PATH"])
        assert key_path.parent == env_file.parent
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        key = load_private_key(str(key_path))
        path = PREFIX + "/portfolio/balance"
        base = values["KALSHI_API_BASE"].removesuffix(PREFIX)
        resp = requests.get(
            base + path, headers=auth_headers(key, values["KALSHI_API_KEY_ID"], "GET", path), timeout=10
        )
        assert resp.status_code == 200, resp.text
        assert isinstance(resp.json()["balance"], int)
        assert "PRIVATE" not in "".join(c.banner)
    before = env_file.read_text()

    refused = subprocess.run(
        [sys.executable, "-m", "kalshi_nb.sandbox", "--write-env", str(env_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    assert env_file.read_text() == before

    with cli("--write-env", str(env_file), "--force") as c:
        c.read_banner()
        assert env_file.read_text() != before  # a new port and key
        assert f"KALSHI_API_BASE={c.url}" in env_file.read_text()


def test_a_restart_on_a_fixed_port_keeps_the_env_working(tmp_path: Path):
    """`make sandbox` (fixed port, --force): the .env a notebook already read keeps working after a restart."""
    port = str(_free_port_pair())
    env_file = tmp_path / ".env"

    def values() -> dict[str, str]:
        return dict(
            line.split("=", 1) for line in env_file.read_text().splitlines() if line and line[0] != "#"
        )

    def balance_status(v: dict[str, str]) -> int:
        key = load_private_key(v["KALSHI_PRIVATE_KEY_PATH"])
        path = PREFIX + "/portfolio/balance"
        base = v["KALSHI_API_BASE"].removesuffix(PREFIX)
        return requests.get(
            base + path, headers=auth_headers(key, v["KALSHI_API_KEY_ID"], "GET", path), timeout=10
        ).status_code

    with cli("--port", port, "--write-env", str(env_file), "--force") as c:
        c.read_banner()
        first = values()
        assert balance_status(first) == 200
    with cli("--port", port, "--write-env", str(env_file), "--force") as c:
        c.read_banner()
        assert values() == first  # same URL, same key id, same key file
        assert balance_status(first) == 200  # the old credentials are trusted by the new process


@pytest.mark.parametrize("as_path", [True, False])
def test_registers_keys_from_the_command_line(tmp_path: Path, as_path: bool):
    key = new_ed25519_key()
    pem = public_pem(key)
    pem_file = tmp_path / "me.pub.pem"
    pem_file.write_text(pem)
    with cli("--key-id", "my-key", "--public-key", str(pem_file) if as_path else pem) as c:
        c.read_banner()
        path = PREFIX + "/portfolio/balance"
        base = c.url.removesuffix(PREFIX)
        resp = requests.get(base + path, headers=auth_headers(key, "my-key", "GET", path), timeout=10)
        assert resp.status_code == 200, resp.text


def test_fault_flags_reach_the_server():
    with cli("--error-rate", "1", "--fault-methods", "GET", "--fault-path", "/markets$") as c:
        c.read_banner()
        assert requests.get(c.url + "/markets", timeout=10).status_code in (500, 502, 503)
        assert requests.get(c.url + "/events", timeout=10).status_code == 200


def test_script_flag_and_latency():
    with cli("--script", "429,ok", "--latency", "0.1") as c:
        c.read_banner()
        first = requests.get(c.url + "/events", timeout=10)
        second = requests.get(c.url + "/events", timeout=10)
        assert (first.status_code, second.status_code) == (429, 200)
        assert second.elapsed.total_seconds() >= 0.1


@pytest.mark.parametrize(
    "argv",
    [
        ["--key-id", "only-an-id"],
        ["--error-rate", "2"],
        ["--fault-phase", "during"],
        ["--rate-limit", "unlimited"],
        ["--now", "yesterday"],
        ["--public-key", "/no/such/file.pem", "--key-id", "x"],
        ["--script", "explode"],
    ],
)
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert capsys.readouterr().err


@pytest.mark.parametrize(("setting", "active"), [("0", True), ("1", False)])
def test_the_cli_follows_the_pause_setting_of_the_environment(monkeypatch, setting, active):
    """KALSHI_NB_SANDBOX_PAUSES=0 (the test suite's setting) turns the weekly pause off for a CLI sandbox too,
    so a notebook test run on a Thursday at 03:30 ET can still place its order; --no-pauses always does."""
    thursday_0330_et = "2026-12-03T08:30:00Z"
    monkeypatch.setenv("KALSHI_NB_SANDBOX_PAUSES", setting)
    with cli("--now", thursday_0330_et, "--no-ws") as c:
        status = requests.get(c.url + "/exchange/status", timeout=30).json()
    assert status["trading_active"] is active
    if not active:
        with cli("--now", thursday_0330_et, "--no-ws", "--no-pauses") as c:
            assert requests.get(c.url + "/exchange/status", timeout=30).json()["trading_active"] is True
