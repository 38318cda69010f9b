"""Time to the first frame in a fresh process, next to the import time and two references.

Each leg runs in its own fresh interpreter, in rotating order, for several rounds; the figure is the wall
time of the whole process (interpreter start to exit), so the legs compare directly:

- ``python -c pass``: the interpreter alone (the floor of any fresh process);
- ``import kalshi_nb``: the package import (must stay light);
- ``import pandas``: what any frame costs at least;
- ``import requests, pandas``: what any client that fetches over HTTP and returns a frame imports at least
  (the floor of the first frame, before a single request or a sandbox);
- ``first frame``: ``import kalshi_nb as kn; kn.connect("sandbox"); kn.markets_df(series="KXBTC15M")``,
  with its in-process split (import / connect / markets_df);
- ``first frame, Ed25519 key`` (``--what-if``): the same with the sandbox handed an Ed25519 key instead of
  generating a 2048-bit RSA one (key generation and the client's key parse are most of connect() after the
  imports); a what-if, not the package's behaviour;
- ``first frame, 1 s pause`` (``--what-if``): a second between connect() and markets_df, as a notebook user
  reading the first cell's output; its markets_df figure is the second cell's wait.

Bytecode: with ``PYTHONDONTWRITEBYTECODE`` set (as in some CI shells) every fresh process recompiles the
package; ``--pyc`` (default) runs one warm-up process that may write ``__pycache__`` first, as a user's
installed package has.

Usage: python bench/first_frame.py [--rounds 5] [--what-if] [--no-pyc]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

FIRST_FRAME = """
import time
t0 = time.perf_counter()
import kalshi_nb as kn
t1 = time.perf_counter()
kn.connect("sandbox")
t2 = time.perf_counter()
df = kn.markets_df(series="KXBTC15M")
t3 = time.perf_counter()
assert len(df) >= 1, df
print(f"SPLIT {t1 - t0:.4f} {t2 - t1:.4f} {t3 - t2:.4f}")
"""

# The what-if: the sandbox's key generation returns an Ed25519 key (its signature check accepts both).
ED25519 = """
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
rsa.generate_private_key = lambda **_: ed25519.Ed25519PrivateKey.generate()
"""

# The what-if: a notebook user reads connect()'s output for a second before asking for the frame (the split's
# connect figure then includes the pause).
PAUSE = 'kn.connect("sandbox")\ntime.sleep(1.0)\n'

LEGS = {
    "python -c pass": "pass",
    "import kalshi_nb": "import kalshi_nb",
    "import pandas": "import pandas",
    "import requests, pandas": "import requests, pandas",
    "first frame": FIRST_FRAME,
}


def run(code: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return time.perf_counter() - started, out.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--what-if", action="store_true", help="add the Ed25519-key leg")
    ap.add_argument("--no-pyc", action="store_true", help="keep PYTHONDONTWRITEBYTECODE as it is")
    args = ap.parse_args()
    legs = dict(LEGS)
    if args.what_if:
        legs["first frame, Ed25519 key"] = ED25519 + FIRST_FRAME
        legs["first frame, 1 s pause"] = FIRST_FRAME.replace('kn.connect("sandbox")\n', PAUSE)
    env = dict(os.environ)
    # The sandbox's simulated activity and the Thursday pause are not part of the first frame.
    env.setdefault("KALSHI_NB_SANDBOX_ACTIVITY", "0")
    if not args.no_pyc:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    run(FIRST_FRAME, env)  # warm-up: bytecode, the OS file cache
    times: dict[str, list[float]] = {name: [] for name in legs}
    splits: dict[str, list[list[float]]] = {name: [] for name in legs}
    names = list(legs)
    for r in range(args.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # rotating order
            wall, out = run(legs[name], env)
            times[name].append(wall)
            for line in out.splitlines():
                if line.startswith("SPLIT "):
                    splits[name].append([float(x) for x in line.split()[1:]])
    load = os.getloadavg()
    print(f"fresh processes, {args.rounds} rounds, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'leg':<28} {'min s':>7} {'median s':>9} {'max s':>7}   in-process split (median)")
    for name in names:
        ts = times[name]
        line = f"{name:<28} {min(ts):7.3f} {statistics.median(ts):9.3f} {max(ts):7.3f}"
        if splits[name]:
            imp, conn, frame = (statistics.median(col) for col in zip(*splits[name], strict=True))
            line += f"   import {imp:.3f} + connect {conn:.3f} + markets_df {frame:.3f}"
        print(line)
    base = statistics.median(times["python -c pass"])
    ff = statistics.median(times["first frame"])
    floor = statistics.median(times["import requests, pandas"])
    print(f"first frame minus the bare interpreter: {ff - base:.3f} s (median)")
    print(f"first frame minus the import floor (requests + pandas): {ff - floor:.3f} s (median)")


if __name__ == "__main__":
    main()
