"""Every Python code block in the README runs, as a new user would paste it (no credentials: the sandbox).

Blocks run in order, each in a fresh namespace; any exception fails the test naming the block. Orders go
to the in-process sandbox that ``connect()`` starts (fake money).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.DOTALL | re.MULTILINE)


@pytest.fixture
def new_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    import matplotlib

    matplotlib.use("Agg")
    for name in (
        "KALSHI_API_KEY_ID",
        "KALSHI_PRIVATE_KEY_PATH",
        "KALSHI_PRIVATE_KEY_PASSWORD",
        "KALSHI_USE_DEMO",
        "KALSHI_API_BASE",
    ):
        monkeypatch.setenv(name, "")  # blank: a developer's .env cannot fill them in
    monkeypatch.chdir(tmp_path)
    yield
    import matplotlib.pyplot as plt

    import kalshi_nb

    plt.close("all")
    kalshi_nb.set_default_client(None)  # stops the sandbox connect() started


def test_the_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("number", range(len(BLOCKS)), ids=lambda n: f"block{n + 1}")
def test_readme_block_runs(number: int, new_user: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = compile(BLOCKS[number], f"README.md python block {number + 1}", "exec")
    exec(code, {"__name__": "__readme__"})  # noqa: S102  (running the README is the point)
    out = capsys.readouterr().out
    assert "Traceback" not in out
