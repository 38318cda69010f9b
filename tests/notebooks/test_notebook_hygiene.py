"""The committed example notebooks are clean: no outputs, no secrets, one opening question, short cells.

Every check is a function returning a list of problems, so the same functions are run on deliberately bad
notebooks below: each check is shown to fail on the thing it is meant to catch.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
EXPECTED = [
    "01_quickstart.ipynb",
    "02_exploring_a_series.ipynb",
    "03_history.ipynb",
    "04_order_ticket.ipynb",
    "05_portfolio.ipynb",
    "06_live.ipynb",
    "07_calibration.ipynb",
]
MAX_CODE_LINES = 12

PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
# A Kalshi API key id is a UUID; none belongs in a committed notebook (sources, outputs or metadata).
UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
SECRET_VARIABLE = re.compile(r"KALSHI_(API_KEY_ID|PRIVATE_KEY_PATH|PRIVATE_KEY_PASSWORD)\s*=\s*\S")
# A market or event ticker carries a date (KXBTC15M-26NOV251245-45, KXFEDDECISION-26DEC): notebooks discover
# them instead, so they run on any day and on any environment. Series tickers (KXBTC15M) are fine.
DATED_TICKER = re.compile(r"\bKX[A-Z0-9]+-\d{2}[A-Z]{3}\d*")
ALLOWED_NB_METADATA = {"kernelspec", "language_info"}
ALLOWED_CELL_METADATA = {"tags"}


def output_problems(nb: nbformat.NotebookNode) -> list[str]:
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {i} has {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i} has execution_count {cell.execution_count}")
    if "widgets" in nb.metadata:
        problems.append("saved widget state in the notebook metadata")
    return problems


def metadata_problems(nb: nbformat.NotebookNode) -> list[str]:
    problems = []
    extra = set(nb.metadata) - ALLOWED_NB_METADATA
    if extra:
        problems.append(f"notebook metadata has {sorted(extra)}")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append("kernelspec name is not python3 (a custom kernel name fails on other machines)")
    for i, cell in enumerate(nb.cells):
        extra = set(cell.get("metadata", {})) - ALLOWED_CELL_METADATA
        if extra:
            problems.append(f"cell {i} metadata has {sorted(extra)}")
        if cell.get("attachments"):
            problems.append(f"cell {i} has attachments")
    return problems


def secret_problems(nb: nbformat.NotebookNode) -> list[str]:
    text = json.dumps(nb)  # sources, outputs and metadata alike
    problems = []
    if PRIVATE_KEY.search(text):
        problems.append("a PEM private key")
    problems += [f"a UUID (key id?) {m.group()[:8]}…" for m in UUID.finditer(text)]
    problems += [f"a credential assignment {m.group(1)}" for m in SECRET_VARIABLE.finditer(text)]
    return problems


def structure_problems(nb: nbformat.NotebookNode) -> list[str]:
    cells = nb.cells
    if len(cells) < 2:
        return ["fewer than two cells"]
    problems = []
    first = cells[0]
    if first.cell_type != "markdown":
        problems.append("the first cell is not markdown")
    else:
        if not first.source.startswith("# "):
            problems.append("the first cell does not start with a '# ' title")
        if "?" not in first.source.splitlines()[0]:
            problems.append("the first cell's title does not say what question the notebook answers")
    if cells[1].cell_type != "code":
        problems.append("more than one markdown cell before the first code cell")
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        if not cell.source.strip():
            problems.append(f"cell {i} is empty")
        if len(lines) > MAX_CODE_LINES:
            problems.append(f"cell {i} has {len(lines)} lines (max {MAX_CODE_LINES})")
        for m in DATED_TICKER.finditer(cell.source):
            problems.append(f"cell {i} hard-codes the ticker {m.group()}")
        if "MPLBACKEND" in cell.source or "matplotlib.use(" in cell.source:
            problems.append(f"cell {i} sets the matplotlib backend (inline plots would vanish)")
    return problems


ALL_CHECKS = (output_problems, metadata_problems, secret_problems, structure_problems)


# --- the committed notebooks ------------------------------------------------------------------------------


def test_the_five_notebooks_are_committed() -> None:
    assert sorted(p.name for p in NB_DIR.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_notebook_is_clean(name: str) -> None:
    nb = nbformat.read(NB_DIR / name, as_version=4)
    nbformat.validate(nb)
    problems = [p for check in ALL_CHECKS for p in check(nb)]
    assert problems == [], f"{name}: {problems}"


def test_notebooks_match_their_generator(tmp_path: Path) -> None:
    """The notebooks are written by notebooks/make_notebooks.py: edit it and re-run it, not the .ipynb."""
    spec = importlib.util.spec_from_file_location("make_notebooks", NB_DIR / "make_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.write_notebooks(tmp_path)
    assert sorted(p.name for p in written) == EXPECTED
    for name in EXPECTED:
        assert (tmp_path / name).read_text() == (NB_DIR / name).read_text(), (
            f"{name} differs from what make_notebooks.py writes; run "
            "`.venv/bin/python notebooks/make_notebooks.py`"
        )


# --- the checks catch what they should --------------------------------------------------------------------


def _good() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell("# What is my balance?\n\nText."), new_code_cell("x = 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def test_a_clean_notebook_passes_every_check() -> None:
    assert [p for check in ALL_CHECKS for p in check(_good())] == []


def test_outputs_and_execution_counts_are_caught() -> None:
    nb = _good()
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="1\n")]
    nb.cells[1].execution_count = 3
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    assert output_problems(nb) == [
        "cell 1 has 1 output(s)",
        "cell 1 has execution_count 3",
        "saved widget state in the notebook metadata",
    ]


def test_secrets_are_caught_anywhere() -> None:
    nb = _good()
    nb.cells[1].outputs = [
        new_output(
            "stream", name="stdout", text="-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
        )
    ]
    nb.metadata["kalshi"] = {"key": "5c1e8a2b-1f3d-4e5a-9b7c-0d1e2f3a9a0b"}
    nb.cells[0].source += "\n\nKALSHI_API_KEY_ID=abc"
    assert secret_problems(nb) == [
        "a PEM private key",
        "a UUID (key id?) 5c1e8a2b…",
        "a credential assignment API_KEY_ID",
    ]
    assert "notebook metadata has ['kalshi']" in metadata_problems(nb)


def test_structure_rules_are_caught() -> None:
    nb = _good()
    nb.cells[0].source = "# Quickstart\n\nNo question asked."
    nb.cells.insert(1, new_markdown_cell("## A second markdown cell"))
    nb.cells.append(new_code_cell("\n".join(f"x{i} = {i}" for i in range(13))))
    nb.cells.append(new_code_cell('client.get_market("KXBTC15M-26NOV251245-45")'))
    nb.cells.append(new_code_cell('import matplotlib\nmatplotlib.use("Agg")'))
    nb.cells[0].metadata["collapsed"] = True
    nb.metadata["kernelspec"]["name"] = "my-env"
    assert structure_problems(nb) == [
        "the first cell's title does not say what question the notebook answers",
        "more than one markdown cell before the first code cell",
        "cell 3 has 13 lines (max 12)",
        "cell 4 hard-codes the ticker KXBTC15M-26NOV251245",
        "cell 5 sets the matplotlib backend (inline plots would vanish)",
    ]
    assert metadata_problems(nb) == [
        "kernelspec name is not python3 (a custom kernel name fails on other machines)",
        "cell 0 metadata has ['collapsed']",
    ]


def test_a_code_cell_first_is_caught() -> None:
    nb = _good()
    nb.cells.reverse()
    assert structure_problems(nb)[0] == "the first cell is not markdown"
