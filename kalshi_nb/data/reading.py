"""How a pull's pages are read: as records (orjson) or by pyarrow's reader, page by page.

The paging engine (paging.py) fetches; this module decides which reader a page body goes through and
turns pages back into what either shaping path needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..bodies import decode_json


class _RawRows(list):
    """A first page's rows as the records path reads them, with the bytes they came from (see
    :func:`_first_page_rule`): a pull whose other calls went through Arrow reads these bytes with it too."""

    __slots__ = ("raw",)
    raw: bytes


def _first_page_rule(
    decode: Callable[[bytes, str], Any], key: str
) -> tuple[Callable[[bytes], Any], Callable[[bytes], Any]]:
    """The body readers of a call's first page and of the pages after it, for a pull that may use Arrow.

    A first page that is also the last (most small pulls) is read by the records path: pyarrow's reader
    costs more than orjson on one page, and far more on its first use in a process (measured: 25 ms
    against 8 ms for a 50-market page), while Arrow pays off when pages are read in parallel. A first page
    with a cursor (more pages follow) is read by Arrow, like the rest; the cursor is only known once the
    page is decoded, so that page is decoded twice (once per call, in the fetching thread).
    """

    def first(content: bytes) -> Any:
        try:
            body = decode_json(content)
        except ValueError:
            return None  # malformed: the client's own decoding reports it (and may retry the page)
        if isinstance(body, dict) and body.get("cursor"):
            return decode(content, key) or body
        rows = body.get(key) if isinstance(body, dict) else None
        if isinstance(rows, list):
            kept = _RawRows(rows)
            kept.raw = content
            body[key] = kept
        return body

    return first, lambda content: decode(content, key)


def _arrow_page(decode: Any, page: Any, key: str) -> Any:
    """A first page read as records, read again by Arrow from its bytes; None where it cannot be."""
    if not isinstance(page, _RawRows):
        return None
    body = decode(page.raw, key)
    return None if body is None else body.get(key)


def _rows(pages: list[Any], key: str) -> Iterator[dict]:
    """The rows of one call's pages; a page pyarrow read is decoded again as the records path reads it."""
    for page in pages:
        if isinstance(page, list):
            yield from page
        else:
            yield from decode_json(page.raw)[key]
