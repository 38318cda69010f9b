"""markets_df against the floors, the practical limit and three other clients, side by side, in one run.

For each size (1,000 / 10,000 / 50,000 / 200,000 markets; 1,000,000 with ``--big``) one in-process
``Sandbox(markets=N, rate_limit=None)`` is built (its build time and RSS growth are printed) and serves every
leg over HTTP on 127.0.0.1. Each leg runs in its own child process (bench/_speed_legs.py), in rotating order
over several rounds:

- ``markets_df``:    ``kalshi_nb.markets_df(status=None, mve_filter=None, progress=False)``, read-only client,
                     as it is in the tree when the bench runs;
- ``floor``:         requests + ``json.loads`` per page + one ``pd.DataFrame(rows)``, no dtype work (the honest
                     floor); ``floor (gc paused)`` the same with the cyclic collector off;
- ``arrow``:         the practical limit: requests, pyarrow's JSON reader per page, columns cast in Arrow to
                     exactly markets_df's dtypes (checked), one ``to_pandas``;
- ``pykalshi``:      pykalshi 2.0.0 ``get_markets(fetch_all=True).to_dataframe()`` (bench/.venv-pykalshi);
- ``official SDK``:  kalshi-python-sync 3.34.0 on Python 3.13, ``MarketApi.get_markets`` per page,
                     ``model_dump`` to a frame (bench/.venv-official-sdk);
- ``kalshi-sdk``:    kalshi-sdk 22.4.0 from PyPI, its markets listing per page (bench/.venv-kalshi-sdk).

The other clients live in venvs of their own, created on first use (bench only; never dependencies of
kalshi_nb); a leg whose venv cannot be made is skipped with a note. Per leg it prints min / median / max
seconds, the ratio of medians to markets_df, rows, milliseconds per 1,000 rows and the frame's deep memory per
1,000 markets. Then: import time of ``kalshi_nb``, time to the first frame in a fresh process
(bench/first_frame.py's measure when it exists). It asserts nothing; the machine's load average is printed,
since other jobs share it.

Run: ``python bench/speed.py [--quick] [--big] [--rounds 3] [--sizes 1000,10000] [--markdown]``
(``--quick``: 10,000 markets only, about a minute once the venvs exist).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LEGS_PY = HERE / "_speed_legs.py"

# leg -> (label, venv or None for this interpreter, pip specs, import probe)
LEGS: dict[str, tuple[str, str | None, tuple[str, ...], str]] = {
    "markets_df": ("markets_df", None, (), ""),
    "markets_df_signed": ("markets_df (signed)", None, (), ""),
    "floor": ("floor", None, (), ""),
    "floor_nogc": ("floor (gc paused)", None, (), ""),
    "arrow": ("arrow (practical limit)", None, (), ""),
    "pykalshi": ("pykalshi 2.0.0", ".venv-pykalshi", ("pykalshi==2.0.0", "pandas"), "pykalshi"),
    "official_sdk": (
        "official SDK 3.34.0",
        ".venv-official-sdk",
        ("kalshi-python-sync==3.34.0", "pandas"),
        "kalshi_python_sync",
    ),
    "kalshi_sdk": ("kalshi-sdk 22.4.0", ".venv-kalshi-sdk", ("kalshi-sdk==22.4.0", "pandas"), "kalshi"),
}
SIZES = (1_000, 10_000, 50_000, 200_000)
OPTIONAL = ("markets_df_signed",)  # run only when named in --legs


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def _python313() -> str | None:
    # the official SDK needs 3.13: scripts/setup-sdk-venv.sh finds one; its venv's base interpreter will do
    sdk = ROOT / ".venv-sdk" / "bin" / "python"
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    pyenv_313 = sorted(str(p) for p in pyenv.glob("3.13*/bin/python"))
    for candidate in (os.environ.get("PYTHON313"), str(sdk), "python3.13", *pyenv_313):
        if not candidate:
            continue
        try:
            ok = subprocess.run(
                [candidate, "-c", "import sys; sys.exit(sys.version_info < (3, 13))"],
                capture_output=True,
                check=False,
            )
        except OSError:  # a candidate that is not there is simply not this machine's 3.13
            continue
        if ok.returncode == 0:
            return candidate
    return None


def leg_python(leg: str) -> str | None:
    """The interpreter that runs a leg, making its venv on first use; None (with a note) if it cannot."""
    _, venv, specs, probe = LEGS[leg]
    if venv is None:
        return sys.executable
    python = HERE / venv / "bin" / "python"
    check = [str(python), "-c", f"import {probe}, pandas"]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
        return str(python)
    base = _python313() if leg != "pykalshi" else sys.executable
    if base is None:
        print(f"  note: no Python 3.13 for {leg}; skipping it (see scripts/setup-sdk-venv.sh)")
        return None
    print(f"  creating bench/{venv} with {' '.join(specs)} (bench only) ...")
    subprocess.run([base, "-m", "venv", str(HERE / venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", *specs]
    result = subprocess.run(pip, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(f"  note: could not install {specs}; skipping {leg}:\n{result.stderr[-1500:]}")
        return None
    return str(python)


def run_leg(leg: str, python: str, args: dict) -> dict:
    extra = {"nogc": True} if leg == "floor_nogc" else {"signed": True} if leg == "markets_df_signed" else {}
    cmd = [python, str(LEGS_PY), leg, json.dumps({**args, **extra})]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if out.returncode != 0:
        return {
            "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"rc {out.returncode}"
        }
    return json.loads(out.stdout.strip().splitlines()[-1])


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bench_size(n: int, pythons: dict[str, str], rounds: int, small: int | None = None) -> dict:
    """Every leg at ``n`` markets; with ``small``, only the first page of ``small`` markets (the small pull)."""
    import gc

    from kalshi_nb.sandbox import Sandbox

    gc.collect()
    before = rss()
    started = time.perf_counter()
    sb = Sandbox(markets=n, rate_limit=None)
    build = time.perf_counter() - started
    grown = rss() - before
    live = len(sb.exchange.markets())
    print(
        f"\n{n:,} markets{f' (one page of {small})' if small else ''}: sandbox built in {build:.2f} s, +{grown / 2**20:,.0f} MiB RSS ({live:,} markets; {load()})"
    )
    results: dict[str, list[dict]] = {leg: [] for leg in pythons}
    names = list(pythons)
    with sb:
        base = {"url": sb.url, "key_id": sb.key_id, "key_path": sb.private_key_path}
        if small:
            base.update(page=small, one_page=True, repeat=10)
        # markets_df's dtypes, for the Arrow leg to cast to (taken from a first, untimed markets_df run)
        first = run_leg("markets_df", pythons["markets_df"], base)
        base_arrow = {**base, "dtypes": first.get("dtypes", {}), "categories": first.get("categories", {})}
        for round_ in range(rounds):
            order = names[round_ % len(names) :] + names[: round_ % len(names)]
            for leg in order:
                results[leg].append(run_leg(leg, pythons[leg], base_arrow if leg == "arrow" else base))
            print(
                f"  round {round_ + 1}: "
                + ", ".join(f"{leg} {results[leg][-1].get('seconds', float('nan')):.2f} s" for leg in order)
                + f" ({load()})"
            )
    del sb
    gc.collect()
    return {
        "markets": n,
        "small": small,
        "build": build,
        "build_rss": grown,
        "results": results,
        "dtypes": first.get("dtypes"),
    }


def summarize(size: dict) -> list[dict]:
    rows = []
    ok = {leg: [r for r in rs if "seconds" in r] for leg, rs in size["results"].items()}
    ref = statistics.median(r["seconds"] for r in ok["markets_df"]) if ok.get("markets_df") else None
    ref_warm = (
        statistics.median(r["warm"] for r in ok["markets_df"])
        if ok.get("markets_df") and "warm" in ok["markets_df"][0]
        else None
    )
    for leg, rs in size["results"].items():
        good = ok[leg]
        if not good:
            rows.append({"leg": leg, "error": rs[0].get("error", "?") if rs else "?"})
            continue
        secs = [r["seconds"] for r in good]
        warm = statistics.median(r["warm"] for r in good) if "warm" in good[0] else None
        med = statistics.median(secs)
        r0 = good[0]
        rows.append(
            {
                "leg": leg,
                "min": min(secs),
                "median": med,
                "max": max(secs),
                "ratio": med / ref if ref else float("nan"),
                "rows": r0["rows"],
                "columns": r0["columns"],
                "ms_per_1k": med / max(r0["rows"], 1) * 1e6,
                "kib_per_1k": r0["memory"] / max(r0["rows"], 1) * 1000 / 1024,
                "peak_mib": r0["peak_rss"] / 2**20,
                "same_dtypes": (r0.get("dtypes") == size["dtypes"]) if "dtypes" in r0 else None,
                # the small pull's calls after the first in the same process (no one-time costs)
                "warm": warm,
                "warm_ratio": warm / ref_warm if warm is not None and ref_warm else None,
            }
        )
    return rows


def print_size(size: dict) -> None:
    n, rounds = size["markets"], max(len(rs) for rs in size["results"].values())
    what = (
        f"one page of {size['small']} of {n:,} markets"
        if size.get("small")
        else f"{n:,} markets, 1,000 per page"
    )
    print(f"\n{what}, {rounds} rounds, each leg in its own process:")
    print(
        f"  {'leg':<24}{'min s':>8}{'median':>8}{'max':>8}{'x mdf':>7}{'rows':>10}{'ms/1k':>8}{'KiB/1k':>8}{'peak MiB':>9}"
    )
    for r in summarize(size):
        label = LEGS[r["leg"]][0]
        if "error" in r:
            print(f"  {label:<24} failed: {r['error'][:150]}")
            continue
        note = (
            "" if r["same_dtypes"] is None else ("  same dtypes" if r["same_dtypes"] else "  DTYPES DIFFER")
        )
        if r["warm"] is not None:
            note += f"  warm {1000 * r['warm']:.1f} ms ({r['warm_ratio']:.2f}x)"
        print(
            f"  {label:<24}{r['min']:8.3f}{r['median']:8.3f}{r['max']:8.3f}{r['ratio']:7.2f}{r['rows']:>10,}"
            f"{r['ms_per_1k']:8.1f}{r['kib_per_1k']:8,.0f}{r['peak_mib']:9,.0f}{note}"
        )


_FIRST = """
import time; t0 = time.perf_counter()
import kalshi_nb as kn; t1 = time.perf_counter()
kn.connect("sandbox"); t2 = time.perf_counter()
df = kn.markets_df(series="KXBTC15M"); t3 = time.perf_counter()
import json; print(json.dumps({"import": t1 - t0, "connect": t2 - t1, "frame": t3 - t2, "total": t3 - t0, "rows": len(df)}))
"""


def first_frame(rounds: int) -> dict:
    """Import time and time to the first frame, each in a fresh process; bench/first_frame.py's if present."""
    # bench/first_frame.py (helper S2's) has no importable measure yet: speed.py measures the same three steps
    # itself and, in a full run, also prints first_frame.py's own report (see main)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KALSHI_NB_DATA_DIR": tmp}
        for _ in range(rounds):
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", _FIRST], capture_output=True, text=True, cwd=ROOT, env=env, check=False
            )
            wall = time.perf_counter() - started
            if out.returncode != 0:
                return {"error": out.stderr.strip().splitlines()[-1]}
            runs.append({**json.loads(out.stdout.strip().splitlines()[-1]), "wall": wall})
    return {
        "source": "bench/speed.py",
        **{k: statistics.median(r[k] for r in runs) for k in runs[0]},
        "min_total": min(r["total"] for r in runs),
    }


def markdown(sizes: list[dict], ff: dict, command: str) -> str:
    lines = [
        (
            f"Measured with `{command}` on {os.cpu_count()} cores ({load()}), each leg in its own process, "
            "rotating order; median seconds (min-max), ratio of medians to `markets_df`."
        ),
        "",
        "| markets | leg | median s (min-max) | vs markets_df | ms per 1,000 rows | KiB per 1,000 markets |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for size in sizes:
        for r in summarize(size):
            label = LEGS[r["leg"]][0]
            where = f"1 page of {size['small']}" if size.get("small") else f"{size['markets']:,}"
            if "error" in r:
                lines.append(f"| {where} | {label} | failed | | | |")
                continue
            lines.append(
                f"| {where} | {label} | {r['median']:.3f} ({r['min']:.3f}-{r['max']:.3f}) | "
                f"{r['ratio']:.2f} | {r['ms_per_1k']:.1f} | {r['kib_per_1k']:,.0f} |"
            )
            if r.get("warm") is not None:
                lines.append(
                    f"| {where}, warm | {label} | {r['warm']:.4f} | {r['warm_ratio']:.2f} | "
                    f"{r['warm'] / max(r['rows'], 1) * 1e6:.1f} | |"
                )
    lines.append("")
    lines.append("| sandbox markets | build s | RSS growth MiB |")
    lines.append("| ---: | ---: | ---: |")
    for size in sizes:
        if size.get("small"):
            continue
        lines.append(f"| {size['markets']:,} | {size['build']:.2f} | {size['build_rss'] / 2**20:,.0f} |")
    if "total" in ff:
        lines.append("")
        lines.append(
            f'Fresh process: `import kalshi_nb` {ff["import"]:.3f} s; `import` + `connect("sandbox")` + '
            f'`markets_df(series="KXBTC15M")` {ff["total"]:.3f} s (median; connect {ff["connect"]:.3f} s, '
            f"frame {ff['frame']:.3f} s)."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 markets only")
    parser.add_argument("--big", action="store_true", help="add 1,000,000 markets")
    parser.add_argument("--sizes", help="comma-separated market counts (overrides the defaults)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--legs", help="comma-separated subset of: " + ",".join(LEGS))
    parser.add_argument("--markdown", action="store_true", help="also print the README table")
    parser.add_argument(
        "--small",
        type=int,
        default=50,
        help="also time a one-page pull of this many markets (0: skip); default 50",
    )
    args = parser.parse_args()
    sizes = (
        [int(s) for s in args.sizes.split(",")] if args.sizes else ([10_000] if args.quick else list(SIZES))
    )
    if args.big and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    rounds = args.rounds or 3
    legs = args.legs.split(",") if args.legs else [leg for leg in LEGS if leg not in OPTIONAL]
    if "markets_df" not in legs:
        legs.insert(0, "markets_df")

    import pandas as pd

    print(
        f"bench/speed.py at {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; pandas {pd.__version__}; {load()}"
    )
    pythons = {}
    for leg in legs:
        python = leg_python(leg)
        if python is not None:
            pythons[leg] = python
    done = [bench_size(n, pythons, rounds) for n in sizes]
    if args.small:
        # the small pull: in-process legs only (the other clients' fixed costs are theirs, not the page's)
        mine = {leg: pythons[leg] for leg in ("markets_df", "floor", "floor_nogc", "arrow") if leg in pythons}
        done.insert(0, bench_size(1_000, mine, max(rounds, 5), small=args.small))
    for size in done:
        print_size(size)
    ff = first_frame(rounds=3 if args.quick else 5)
    print(
        "\nfresh process ("
        + ff.get("source", "")
        + "): "
        + ", ".join(f"{k} {v:.3f} s" for k, v in ff.items() if isinstance(v, float))
        + (f"  {ff['error']}" if "error" in ff else "")
    )
    if not args.quick and (HERE / "first_frame.py").exists():
        out = subprocess.run(
            [sys.executable, str(HERE / "first_frame.py"), "--rounds", "3"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        print("\nbench/first_frame.py --rounds 3:\n" + (out.stdout or out.stderr[-1500:]).rstrip())
    print(
        f"parent peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB; end: {load()}"
    )
    if args.markdown:
        command = "python bench/speed.py" + "".join(f" {a}" for a in sys.argv[1:] if a != "--markdown")
        print("\n" + markdown(done, ff, command))


if __name__ == "__main__":
    main()
