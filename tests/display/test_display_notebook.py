"""The notebook hook: registered by name only inside a kernel; connect()'s notice as an HTML line there."""

from __future__ import annotations

import logging
import subprocess
import sys
import types
from typing import Any

import pandas as pd
import pytest

from kalshi_nb import frames
from kalshi_nb.display import notebook


class FakeFormatter:
    def __init__(self) -> None:
        self.by_name: dict[tuple[str, str], Any] = {}

    def for_type_by_name(self, module: str, name: str, func: Any) -> None:
        self.by_name[(module, name)] = func


class FakeShell:
    def __init__(self, kernel: object | None) -> None:
        self.kernel = kernel
        self.display_formatter = types.SimpleNamespace(formatters={"text/html": FakeFormatter()})


def fake_ipython(monkeypatch: pytest.MonkeyPatch, shell: FakeShell | None) -> list[Any]:
    shown: list[Any] = []
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell  # type: ignore[attr-defined]
    display_mod = types.ModuleType("IPython.display")
    display_mod.display = lambda obj, raw=False: shown.append((obj, raw))  # type: ignore[attr-defined]
    ipython.display = display_mod  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_mod)
    return shown


def test_nothing_outside_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not notebook.in_kernel() and not notebook.install_frame_formatter()
    shell = FakeShell(kernel=None)  # a terminal IPython: no kernel
    fake_ipython(monkeypatch, shell)
    assert not notebook.install_frame_formatter()
    assert shell.display_formatter.formatters["text/html"].by_name == {}


def test_registered_by_name_in_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    shell = FakeShell(kernel=object())
    fake_ipython(monkeypatch, shell)
    assert notebook.install_frame_formatter()
    by_name = shell.display_formatter.formatters["text/html"].by_name
    printer = by_name[(pd.DataFrame.__module__, "DataFrame")]  # "pandas" on pandas 3
    assert by_name[("pandas.core.frame", "DataFrame")] is printer  # pandas 2
    plain = pd.DataFrame({"a": [1]})
    assert printer(plain) == plain._repr_html_()
    assert "kalshi-frame" in printer(frames.markets_frame([{"ticker": "T"}]))


def test_importing_the_hook_stays_light() -> None:
    code = (
        "import sys, kalshi_nb.display.notebook as n\n"
        "n.install_frame_formatter()\n"
        "print(','.join(m for m in ('pandas', 'IPython', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_connect_notice_is_html_in_a_kernel_and_a_log_line_elsewhere(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from kalshi_nb import defaults

    caplog.set_level(logging.INFO, logger="kalshi_nb")
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    defaults._notice("sandbox", "kalshi_nb: using the local sandbox at http://127.0.0.1:1", "Set keys.")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "kalshi_nb: using the local sandbox at http://127.0.0.1:1 Set keys.")
    ]
    caplog.clear()
    shown = fake_ipython(monkeypatch, FakeShell(kernel=object()))
    defaults._notice("sandbox", "kalshi_nb: using the local sandbox at http://127.0.0.1:1", "Set keys.")
    assert len(shown) == 1
    ((bundle, raw),) = shown
    assert raw and 'class="kalshi-notice kalshi-notice-sandbox' in bundle["text/html"]
    assert bundle["text/plain"] == "kalshi_nb: using the local sandbox at http://127.0.0.1:1 Set keys."
    assert [r.levelno for r in caplog.records] == [logging.INFO]  # nothing on stderr in the notebook
