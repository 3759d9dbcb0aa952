"""What each row of today's orders is: an order, a 정정 or a 취소, and its state.

KIS lists a 정정 and a 취소 as rows of their own whose `original_order_no` points at the order
they act on; telling them apart, and telling "moved by a 정정" from "open", needs the whole list.
"""

from __future__ import annotations

from collections.abc import Sequence

from kisbot.kis import OrderRecord
from kisbot.orders.models import LineKind, LineState, OrderLine


def order_lines(records: Sequence[OrderRecord]) -> list[OrderLine]:
    """Today's records as /orders lines, in KIS's order."""
    return [OrderLine(r, _kind(r, records), _state(r, records)) for r in records]


def _kind(record: OrderRecord, records: Sequence[OrderRecord]) -> LineKind:
    if _is_cancel_row(record, records):
        return LineKind.CANCEL
    return LineKind.MODIFY if record.original_order_no else LineKind.ORDER


def _is_cancel_row(record: OrderRecord, records: Sequence[OrderRecord]) -> bool:
    """A 취소 line: it points at an order and is cancelled, and nothing points at it.

    (A 정정 line cancelled later is pointed at by that cancel's own line.)
    """
    if not record.original_order_no or not record.cancelled:
        return False
    return not any(r.original_order_no == record.order_no for r in records)


def _state(record: OrderRecord, records: Sequence[OrderRecord]) -> LineState:
    state = LineState(record.state.value)
    moved = record.remaining_quantity == 0 and any(
        r.original_order_no == record.order_no and not _is_cancel_row(r, records) for r in records
    )
    return LineState.MODIFIED if state is LineState.OPEN and moved else state
