"""The legs of bench/speed.py: each runs in its own child process and prints one JSON line.

Run as ``python bench/_speed_legs.py LEG '{"url": ..., ...}'`` by bench/speed.py. This module imports nothing
from kalshi_nb at module level, because the pykalshi, official SDK and kalshi-sdk legs run with the
interpreters of their own venvs, which do not have kalshi_nb (and must not: they are other clients).

Every leg asks for the same thing: all markets, 1,000 per page, no filters (or, with ``"page": N, "one_page":
true`` in its arguments, the first page of N markets only: the small pull). Its clock starts after the
imports and the client's creation and stops when the DataFrame exists. It reports the seconds, the rows,
columns, the frame's deep memory and the process's peak RSS.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from typing import Any

PAGE = 1000


def _peak_rss() -> int:
    # VmHWM, not getrusage's ru_maxrss: the latter keeps the forking parent's peak across exec
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _report(seconds: float, df: Any, **extra: Any) -> None:
    out = {
        "seconds": seconds,
        "rows": len(df),
        "columns": len(df.columns),
        "memory": int(df.memory_usage(deep=True).sum()),
        "peak_rss": _peak_rss(),
        **extra,
    }
    print(json.dumps(out))


def _timed(pull: Any, a: dict) -> tuple[float, Any, dict]:
    """Run ``pull()`` once on the clock; with ``"repeat": N``, N more times in this process, whose median is
    the warm figure (the first call of a fresh process also pays one-time costs: imports, first-use setup)."""
    started = time.perf_counter()
    df = pull()
    seconds = time.perf_counter() - started
    extra: dict = {}
    if a.get("repeat"):
        again = []
        for _ in range(a["repeat"]):
            t = time.perf_counter()
            pull()
            again.append(time.perf_counter() - t)
        extra["warm"] = sorted(again)[len(again) // 2]
    return seconds, df, extra


def _pages(session: Any, url: str, a: dict) -> Any:
    """Yield the raw body of each page of /markets (bytes), following the cursor."""
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": a.get("page", PAGE), **({"cursor": cursor} if cursor else {})}
        response = session.get(url + "/markets", params=params, timeout=120)
        response.raise_for_status()
        content = response.content
        yield content
        if a.get("one_page"):
            return
        # the cursor sits at the end of the body; finding it without a second full parse keeps the
        # Arrow leg honest (its decode is the reader's, not json.loads)
        tail = content[-600:]
        at = tail.rfind(b'"cursor"')
        cursor = json.loads(b"{" + tail[at:].rstrip(b"}") + b"}")["cursor"] if at >= 0 else None
        if not cursor:
            return


def leg_floor(a: dict) -> None:
    """requests + json.loads per page + one pd.DataFrame(rows); no dtype work at all."""
    import pandas as pd
    import requests

    if a.get("nogc"):
        gc.disable()

    def pull() -> Any:
        rows: list[dict] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": a.get("page", PAGE), **({"cursor": cursor} if cursor else {})}
            response = session.get(a["url"] + "/markets", params=params, timeout=120)
            response.raise_for_status()
            body = json.loads(response.content)
            rows.extend(body["markets"])
            cursor = body.get("cursor")
            if not cursor or a.get("one_page"):
                break
        return pd.DataFrame(rows)

    with requests.Session() as session:
        seconds, df, extra = _timed(pull, a)
        _report(seconds, df, **extra)


def leg_markets_df(a: dict) -> None:
    """kalshi_nb.markets_df as it is in the tree, with a read-only client (market data needs no key)."""
    import pandas  # noqa: F401  (imported before the clock starts, as in the other legs)

    from kalshi_nb import frames  # noqa: F401
    from kalshi_nb.client import KalshiClient
    from kalshi_nb.data import markets_df

    if a.get("signed"):
        client = KalshiClient(
            key_id=a["key_id"], private_key_path=a["key_path"], api_base=a["url"], rate_limit=None
        )
    else:
        client = KalshiClient.read_only(api_base=a["url"], rate_limit=None)
    # the small pull: one page of `page` markets is max_rows=page (the engine then asks for exactly that)
    max_rows = a.get("page") if a.get("one_page") else None
    with client:
        seconds, df, extra = _timed(
            lambda: markets_df(
                status=None, mve_filter=None, client=client, progress=False, max_rows=max_rows
            ),
            a,
        )
        cats = {c: list(df[c].cat.categories) for c, t in df.dtypes.items() if str(t) == "category"}
        _report(seconds, df, dtypes={c: str(t) for c, t in df.dtypes.items()}, categories=cats, **extra)


def _arrow_frame(tables: list, dtypes: dict[str, str], cats: dict[str, list], now: Any) -> Any:
    """Cast the decoded pages in Arrow to the dtypes markets_df gives, then one to_pandas."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.concat_tables(tables, promote_options="permissive")
    n = table.num_rows
    out: dict[str, Any] = {}
    kinds = {
        "float64": pa.float64(),
        "Int64": pa.int64(),
        "boolean": pa.bool_(),
        "datetime64[ns, UTC]": pa.timestamp("ns", tz="UTC"),
    }
    for name, dtype in dtypes.items():
        col = table.column(name) if name in table.column_names else None
        if name in ("mid_dollars", "spread_dollars"):
            # as markets_df: only where both YES sides are quoted (0 < price < 1), rounded to 1e-8 by numpy
            # (Arrow's round differs from numpy's in the last bit)
            bid = out["yes_bid_dollars"].to_numpy()
            ask = out["yes_ask_dollars"].to_numpy()
            quoted = (bid > 0) & (bid < 1) & (ask > 0) & (ask < 1)
            value = (bid + ask) / 2 if name == "mid_dollars" else ask - bid
            out[name] = pa.array(np.where(quoted, np.round(value, 8), np.nan))
        elif name == "time_to_close":
            out[name] = pc.subtract(out["close_time"], pa.scalar(now, pa.timestamp("ns", tz="UTC")))
        elif dtype in kinds:
            target = kinds[dtype]
            if col is None:
                out[name] = pa.nulls(n, target)
            elif dtype == "datetime64[ns, UTC]" and pa.types.is_string(col.type):
                out[name] = pc.cast(pc.strptime(col, "%Y-%m-%dT%H:%M:%S%z", "ns"), target)
            else:
                out[name] = pc.cast(col, target)
        elif dtype == "category":
            # markets_df's fixed categories; "" and unknown values are missing there too
            values = pa.array(cats[name], pa.string())
            codes = pc.index_in(col, value_set=values) if col is not None else pa.nulls(n, pa.int32())
            out[name] = pa.DictionaryArray.from_arrays(pa.chunked_array([codes]).combine_chunks(), values)
        else:  # object: strings, lists, dicts stay Python objects, as in markets_df
            out[name] = col if col is not None else pa.nulls(n, pa.string())
    mapper = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
    # markets_df keeps text as object columns, where pandas 3 would map Arrow strings to its "str" dtype:
    # those columns become object arrays of Python objects straight from Arrow
    texts = [name for name, dtype in dtypes.items() if dtype == "object"]
    typed = pa.table({k: v for k, v in out.items() if k not in texts}).to_pandas(types_mapper=mapper)
    for name in texts:
        col = out[name]
        if pa.types.is_nested(col.type):  # lists of dicts, as json.loads gives them (not numpy arrays)
            typed[name] = pd.Series(col.to_pylist(), index=typed.index, dtype=object)
        else:
            typed[name] = pd.Series(col.to_numpy(zero_copy_only=False), index=typed.index, dtype=object)
        # missing is NaN there, not None
        typed.loc[pc.is_null(col).to_numpy(zero_copy_only=False), name] = float("nan")
    return typed[list(dtypes)]


def leg_arrow(a: dict) -> None:
    """The practical limit: each page decoded by pyarrow's JSON reader, columns cast in Arrow."""
    import datetime as dt
    import io

    import pandas  # noqa: F401
    import pyarrow as pa
    import pyarrow.json as pj
    import requests

    def pull() -> Any:
        tables = []
        for body in _pages(session, a["url"], a):
            page = pj.read_json(io.BytesIO(body), pj.ReadOptions(block_size=len(body) + 1))
            markets = page.column("markets").combine_chunks().flatten()
            tables.append(pa.Table.from_struct_array(markets))
        return _arrow_frame(tables, a["dtypes"], a["categories"], dt.datetime.now(dt.timezone.utc))

    with requests.Session() as session:
        seconds, df, extra = _timed(pull, a)
        _report(seconds, df, dtypes={c: str(t) for c, t in df.dtypes.items()}, **extra)


def leg_pykalshi(a: dict) -> None:
    """pykalshi 2.0.0: get_markets(fetch_all=True).to_dataframe()."""
    import pandas  # noqa: F401
    from pykalshi import KalshiClient

    with KalshiClient(
        api_key_id=a["key_id"], private_key_path=a["key_path"], api_base=a["url"], timeout=120
    ) as client:
        seconds, df, extra = _timed(lambda: client.get_markets(limit=PAGE, fetch_all=True).to_dataframe(), a)
        _report(seconds, df, **extra)


def leg_official_sdk(a: dict) -> None:
    """The official SDK (kalshi-python-sync): MarketApi.get_markets page by page, pydantic models to a frame."""
    from pathlib import Path

    import kalshi_python_sync as k
    import pandas as pd

    config = k.Configuration(host=a["url"])
    config.api_key_id = a["key_id"]
    config.private_key_pem = Path(a["key_path"]).read_text()
    api = k.MarketApi(k.KalshiClient(config))

    def pull() -> Any:
        rows: list[dict] = []
        cursor = None
        while True:
            page = api.get_markets(limit=PAGE, cursor=cursor) if cursor else api.get_markets(limit=PAGE)
            rows.extend(m.model_dump() for m in page.markets)
            cursor = page.cursor
            if not cursor:
                return pd.DataFrame(rows)

    seconds, df, extra = _timed(pull, a)
    _report(seconds, df, **extra)


def leg_kalshi_sdk(a: dict) -> None:
    """kalshi-sdk 22.4.0 (PyPI, module ``kalshi``): markets.list_all(limit=1000), its models to a frame."""
    import pandas as pd
    from kalshi import KalshiClient
    from kalshi.models.markets import Market

    # kalshi-sdk 22.4.0 requires liquidity_dollars in every market, which the sandbox leaves out (Kalshi
    # deprecated it; the official SDK takes it as optional): make it optional so the parse can be timed.
    # Validation work per market is unchanged.
    Market.model_fields["liquidity"].default = None
    Market.model_rebuild(force=True)
    client = KalshiClient(key_id=a["key_id"], private_key_path=a["key_path"], base_url=a["url"], timeout=120)
    with client:
        seconds, df, extra = _timed(
            lambda: pd.DataFrame([m.model_dump() for m in client.markets.list_all(limit=PAGE)]), a
        )
        _report(seconds, df, **extra)


LEGS = {
    "floor": leg_floor,
    "floor_nogc": leg_floor,
    "markets_df": leg_markets_df,
    "markets_df_signed": leg_markets_df,
    "arrow": leg_arrow,
    "pykalshi": leg_pykalshi,
    "official_sdk": leg_official_sdk,
    "kalshi_sdk": leg_kalshi_sdk,
}

if __name__ == "__main__":
    LEGS[sys.argv[1]](json.loads(sys.argv[2]))
