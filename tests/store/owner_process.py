"""A stand-in for `kisbot run` in tests: holds app-key ownership and prints what it owns.

    python -m tests.store.owner_process DATABASE_URL KEYS

Rebalances every 0.2 s over KEYS numbered keys and prints the sorted numbers it owns as one
JSON line whenever they change; SIGTERM stops it cleanly (its keys released).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys

from kisbot.store.ownership import key_ownership


async def hold(url: str, count: int) -> None:
    keys = {f"{number:08x}" + "0" * 56: number for number in range(count)}
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    ownership = key_ownership(url)
    await ownership.start()
    shown: list[int] | None = None
    while not stop.is_set():
        owned = sorted(keys[key] for key in await ownership.rebalance(keys))
        if owned != shown:
            print(json.dumps(owned), flush=True)
            shown = owned
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)
    await ownership.stop()


if __name__ == "__main__":
    asyncio.run(hold(sys.argv[1], int(sys.argv[2])))
