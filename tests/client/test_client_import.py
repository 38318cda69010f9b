"""Importing the package stays light: no pandas, matplotlib, ipywidgets (nor requests) at import."""

from __future__ import annotations

import subprocess
import sys


def test_import_is_lazy() -> None:
    code = (
        "import sys, kalshi_nb\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'ipywidgets', 'numpy', 'requests', 'cryptography',"
        " 'werkzeug') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_resolve_and_client_does_not_pull_pandas() -> None:
    code = (
        "import sys, kalshi_nb\n"
        "for name in kalshi_nb.__all__: getattr(kalshi_nb, name)\n"
        "print(','.join(m for m in ('pandas', 'matplotlib', 'ipywidgets') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
