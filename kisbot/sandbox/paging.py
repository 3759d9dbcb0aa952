"""연속조회 (kis-api §4.4): pages of rows, the tr_cont header and the CTX_AREA keys.

A follow-up page needs request header `tr_cont: N` and the keys echoed from the previous page;
without `N` the inquiry starts over at page one, as a new inquiry. The response header says
`F` (first page, more follow), `M` (more follow), `D` (only page) or `E` (last page). The keys
are padded to 100 characters like KIS's; trimmed keys are accepted too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KEY_WIDTH = 100


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[dict[str, Any]]
    tr_cont: str
    ctx_area_fk100: str
    ctx_area_nk100: str


def paginate(
    rows: list[dict[str, Any]], *, size: int, scope: str, tr_cont: str, fk100: str, nk100: str
) -> Page:
    """The page the request asks for; `scope` names the inquiry (account and filters)."""
    start = _start(scope, tr_cont, fk100, nk100, len(rows))
    end = start + size
    more = end < len(rows)
    header = ("M" if more else "E") if start > 0 else ("F" if more else "D")
    next_key = f"{scope}!{end}" if more else ""
    return Page(rows[start:end], header, _pad(scope), _pad(next_key))


def _start(scope: str, tr_cont: str, fk100: str, nk100: str, total: int) -> int:
    if tr_cont != "N" or fk100.strip() != scope:
        return 0
    key_scope, _, index = nk100.strip().rpartition("!")
    if key_scope != scope or not index.isdigit():
        return 0
    return min(int(index), total)


def _pad(key: str) -> str:
    return key.ljust(KEY_WIDTH)
