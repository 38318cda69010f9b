"""Settings for every pytest run in this repository: the tests and the package's docstring examples.

Every test, docstring example, sandbox or kernel started from them keeps kalshi_nb's files (the order
journal, sandbox identity secrets) in a throwaway folder: the real user data folder is never touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Every test (and every sandbox or kernel it starts) keeps kalshi_nb's files in a throwaway folder.

    The order journal and the sandbox identity secrets live in ``KALSHI_NB_DATA_DIR``; the real user data
    folder is never touched.
    """
    folder = tempfile.mkdtemp(prefix="kalshi_nb-tests-")
    # The sandbox's weekly trading pause (Thursday 03:00-05:00 ET) follows the real clock by default: off
    # here, so no test depends on the day it runs; tests of the pause turn it on explicitly.
    # Likewise the market simulation of connect()'s sandbox: off, so no result depends on it.
    settings = {
        "KALSHI_NB_DATA_DIR": folder,
        "KALSHI_NB_SANDBOX_PAUSES": "0",
        "KALSHI_NB_SANDBOX_ACTIVITY": "0",
    }
    config.stash[_DATA_DIR] = (folder, {name: os.environ.get(name) for name in settings})
    os.environ.update(settings)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, previous = config.stash.get(_DATA_DIR, (None, {}))
    if folder is None:
        return
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(folder, ignore_errors=True)


_DATA_DIR = pytest.StashKey[tuple]()


@pytest.fixture(scope="session")
def _doctest_sandbox():
    """One sandbox for the package's docstring examples, started only if an example runs."""
    from kalshi_nb.sandbox import Sandbox

    with Sandbox(seed=0, rate_limit=None) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _doctest_names(request: pytest.FixtureRequest, doctest_namespace: dict) -> None:
    """Docstring examples may use ``kalshi_nb`` without importing it, as a notebook would, and, in the
    package's own modules, ``client`` (signed, on a sandbox), ``sb`` and ``ticker`` (an open KXBTC15M window).
    """
    import kalshi_nb

    doctest_namespace["kalshi_nb"] = kalshi_nb
    if request.node.__class__.__name__ != "DoctestItem":
        return
    sb = request.getfixturevalue("_doctest_sandbox")
    client = kalshi_nb.KalshiClient(
        key_id=sb.key_id, private_key_path=sb.private_key_path, api_base=sb.url, rate_limit=None
    )
    open_windows = sb.exchange.markets(status="open", series_ticker="KXBTC15M")
    doctest_namespace.update(sb=sb, client=client, ticker=open_windows[0]["ticker"])
