"""Fixtures shared by the sandbox's HTTP tests: one sandbox per test module, cleaned around every test.

A module picks its data with ``SANDBOX_SEED = n`` (and other ``Sandbox`` options with ``SANDBOX_OPTIONS``),
so that modules don't share state and a failure names the seed that produced it.
"""

from __future__ import annotations

import pytest
from helpers import sandbox


@pytest.fixture(scope="module")
def sb(request):
    seed = getattr(request.module, "SANDBOX_SEED", 0)
    options = getattr(request.module, "SANDBOX_OPTIONS", {})
    with sandbox(seed=seed, **options) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _clean(request):
    if "sb" not in request.fixturenames:
        yield
        return
    sb = request.getfixturevalue("sb")
    sb.faults.clear()
    sb.requests.clear()
    yield
    sb.faults.clear()
    sb.check()  # any server-side exception fails the test that caused it
