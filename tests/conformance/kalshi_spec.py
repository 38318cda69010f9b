"""Kalshi's ``openapi.yaml`` for the tests: one place that finds it, fetches it and parses it.

The spec is never copied into this repository. It is read from ``../shared/kalshi-spec/openapi.yaml`` beside
the clone when that is there; otherwise it is fetched once from the package registry, as
``shared/kalshi-spec/SOURCE.md`` says (the sdist of ``kalshi-sdk`` 22.4.0 carries it in ``specs/``), and
cached in ``.pytest_cache/kalshi-spec``. If neither works the caller FAILS with the reason: a conformance
check that skips itself would prove nothing.

Example:
    >>> spec = load_spec()                       # doctest: +SKIP
    >>> spec["info"]["version"]                  # doctest: +SKIP
    '3.34.0'
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED_SPEC = ROOT.parent / "shared" / "kalshi-spec" / "openapi.yaml"
SDK = "kalshi-sdk==22.4.0"
CACHE = ROOT / ".pytest_cache" / "kalshi-spec"
VERSION = "3.34.0"


class SpecUnavailable(RuntimeError):
    """The spec is neither beside the clone, nor cached, nor downloadable (the message says what to do)."""


def spec_path() -> Path:
    """The spec's path: the shared copy, else a cached or freshly downloaded copy from the registry.

    Raises ``SpecUnavailable`` (never skips) when none of the three works.
    """
    if SHARED_SPEC.is_file():
        return SHARED_SPEC
    cached = CACHE / "openapi.yaml"
    if cached.is_file():
        return cached
    CACHE.mkdir(parents=True, exist_ok=True)
    # The sdist is only unpacked here, never built or installed; it needs Python 3.12, hence the flag.
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--ignore-requires-python",
        SDK,
        "-d",
        str(CACHE),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    archives = sorted(CACHE.glob("kalshi_sdk-*.tar.gz"))
    if done.returncode != 0 or not archives:
        raise SpecUnavailable(
            f"Kalshi's openapi.yaml is needed by the conformance checks, and it is neither at "
            f"{SHARED_SPEC} nor downloadable: `{' '.join(command)}` failed:\n{done.stderr[-2000:]}\n"
            f"Put a copy of shared/ beside the clone, or the spec at {cached}."
        )
    with tarfile.open(archives[-1]) as sdist:
        member = next((m for m in sdist.getmembers() if m.name.endswith("/specs/openapi.yaml")), None)
        data = sdist.extractfile(member) if member is not None else None
        if data is None:
            raise SpecUnavailable(
                f"{archives[-1].name} has no specs/openapi.yaml; see shared/kalshi-spec/SOURCE.md"
            )
        # Written under a temporary name first: a half-written cache would be read as the spec next time.
        partial = cached.with_suffix(".partial")
        partial.write_bytes(data.read())
        partial.replace(cached)
    return cached


@functools.cache
def load_spec() -> dict[str, Any]:
    """The parsed spec (parsed once per process; treat it as read-only)."""
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - the test extra brings it
        raise SpecUnavailable("PyYAML is needed to read Kalshi's openapi.yaml: pip install pyyaml") from exc
    # The C loader when there is one: the spec is 11,000 lines and the pure-Python loader takes seconds.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(spec_path().read_text(encoding="utf-8"), Loader=loader)
    if spec.get("info", {}).get("version") != VERSION:
        raise SpecUnavailable(
            f"expected Kalshi's spec {VERSION}, found {spec.get('info', {}).get('version')}"
        )
    return spec
