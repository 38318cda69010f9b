"""Fixtures shared by the sandbox's HTTP tests: one sandbox per test module, cleaned around every test.

A module picks its data with ``SANDBOX_SEED = n`` (and other ``Sandbox`` options with ``SANDBOX_OPTIONS``),
so that modules don't share state and a failure names the seed that produced it.
"""

from __future__ import annotations

import pytest
from helpers import sandbox


@pytest.fixture(scope="module")
def module_sb(request):
    """One sandbox per test module (its SANDBOX_SEED and SANDBOX_OPTIONS), unlike the shared per-test ``sb``."""
    seed = getattr(request.module, "SANDBOX_SEED", 0)
    options = getattr(request.module, "SANDBOX_OPTIONS", {})
    with sandbox(seed=seed, **options) as module_sb:
        yield module_sb


@pytest.fixture(autouse=True)
def _clean(request):
    if "module_sb" not in request.fixturenames:
        yield
        return
    module_sb = request.getfixturevalue("module_sb")
    module_sb.faults.clear()
    module_sb.requests.clear()
    yield
    module_sb.faults.clear()
    module_sb.wait_idle()  # a request the test gave up on lands before the next test's counts
    module_sb.check()  # any server-side exception fails the test that caused it
