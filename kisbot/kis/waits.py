"""Telling a caller that its KIS call is waiting for KIS's token window, and for how long.

KIS issues one access token a minute per app key. A call whose token KIS has just refused may
have to wait most of a minute before a new one can be issued, and so may every other call on
that key meanwhile. A caller that wants to say so (a chat reply "waiting for KIS…") sets a
listener for its task:

    with notify_token_waits(lambda wait: show(wait.seconds)):
        quote = await client.quote("005930")

The listener rides in a ContextVar, so it follows the call into the tasks it starts and no
signature in between changes. The KIS layer calls it, in the waiting task, right before a wait
of more than `ANNOUNCED_AFTER` seconds: waiting out the one-a-minute window, waiting after
EGW00133, and waiting for another task of this process that is issuing the key's token.
Without a listener nothing happens; a listener that raises is logged and ignored.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

logger = logging.getLogger(__name__)

ANNOUNCED_AFTER = 1.0  # seconds; shorter waits are not worth telling anyone about


@dataclass(frozen=True, slots=True)
class TokenWait:
    """A wait for KIS's token window that is about to start."""

    seconds: float  # how long from now until the call can go on (an estimate, >= 0)
    until: datetime  # timezone-aware moment of the same


TokenWaitListener = Callable[[TokenWait], None]

_listener: ContextVar[TokenWaitListener | None] = ContextVar("kisbot_token_wait", default=None)


@contextlib.contextmanager
def notify_token_waits(listener: TokenWaitListener) -> Iterator[None]:
    """While inside, any KIS call made from this task (and tasks it starts) calls `listener`
    before it waits for a token issuance window (contextvars)."""
    reset = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(reset)


def announce_token_wait(until: datetime, now: datetime) -> None:
    """Tell this task's listener, if any, that its call waits until `until`; never raises."""
    listener = _listener.get()
    seconds = (until - now).total_seconds()
    if listener is None or seconds <= ANNOUNCED_AFTER:
        return
    try:
        listener(TokenWait(seconds=seconds, until=until))
    except Exception as error:  # the listener is the caller's; the call must go on
        logger.warning("a token-wait listener failed (%s)", type(error).__name__)
