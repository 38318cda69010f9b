"""Compaction: a partition's small parts rewritten as one sorted part, old versions dropped.

The new part is written first, then the state is committed with it in place of the old ones, then the old
files are removed, so a reader or an interruption sees either the old parts or the new one, never both and
never neither (the same commit rule as a sync, :mod:`.files`). Memory holds one partition (one day of one
series) at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from .read import _dataset, latest
from .schema import sort_table
from .sync import _SORT

if TYPE_CHECKING:
    from . import Store

AUTO_PARTS = 8
"""A sync compacts a partition it wrote to once it holds this many parts."""


def _groups(store: Store, name: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for rel in sorted(store.state.files.get(name, {})):
        groups.setdefault(rel.rsplit("/", 1)[0], []).append(rel)
    return groups


def compact_partition(store: Store, name: str, folder: str, rels: list[str]) -> int:
    """Rewrite one partition's parts as one; returns the rows dropped (older versions, repeats)."""
    table = _dataset(store, name, rels).to_table()
    before = table.num_rows
    table = latest(table, name)
    table = _unique(table, name)
    table = sort_table(table, [(c, "ascending") for c in _SORT[name]])
    new = store.files.write_part(folder, table)
    store._step("part_written")
    state = store.state.copy()
    files = state.files[name]
    for rel in rels:
        files.pop(rel, None)
    files[new] = table.num_rows
    store.files.commit(state)
    store.state = state
    store._step("committed")
    store.files.remove(rels)
    return before - table.num_rows


def _unique(table: pa.Table, name: str) -> pa.Table:
    """Each natural key once (a safety net: the sync already writes each row once)."""
    from .schema import DATASETS

    keys = table.select(list(DATASETS[name].key)).to_pandas()
    dup = keys.duplicated().to_numpy()
    return table.filter(pa.array(~dup)) if dup.any() else table


def compact(
    store: Store, datasets: list[str], min_parts: int, only: set[str] | None = None
) -> dict[str, int]:
    """Compact every partition of ``datasets`` with at least ``min_parts`` parts; parts rewritten per dataset."""
    done: dict[str, int] = {}
    for name in datasets:
        count = 0
        for folder, rels in _groups(store, name).items():
            if len(rels) >= min_parts and (only is None or folder in only):
                compact_partition(store, name, folder, rels)
                count += len(rels)
        done[name] = count
    return done
