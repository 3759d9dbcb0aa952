"""`kisbot sandbox`: serve the local KIS on two ports until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from kisbot.sandbox.server import Sandbox


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kisbot sandbox",
        description="Serve a local KIS-compatible API: the real host on --port and the mock "
        "host on --mock-port. Point KISBOT_KIS_REAL_URL and KISBOT_KIS_MOCK_URL at them.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8800, help="real host port (0 = any free)")
    parser.add_argument(
        "--mock-port", type=int, default=None, help="mock host port (default PORT+1)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the market's random walk")
    parser.add_argument(
        "--real-rate", type=float, default=18, help="real calls/s per app key (0 = no limit)"
    )
    parser.add_argument(
        "--mock-rate", type=float, default=1, help="mock calls/s per app key (0 = no limit)"
    )
    parser.add_argument(
        "--token-interval",
        type=float,
        default=60,
        help="seconds between token issuances per app key (0 = no limit)",
    )
    parser.add_argument(
        "--walk-interval",
        type=float,
        default=1.0,
        help="seconds per step of the price walk (0 = prices move only when told)",
    )
    parser.add_argument(
        "--approval-interval",
        type=float,
        default=1.0,
        help="seconds between WebSocket approval keys per app key (0 = no limit)",
    )
    parser.add_argument(
        "--ping-interval",
        type=float,
        default=100.0,
        help="seconds between PINGPONGs on each WebSocket session (0 = none)",
    )
    parser.add_argument(
        "--ping-timeout",
        type=float,
        default=10.0,
        help="seconds a session has to echo PINGPONG before it is closed (0 = never)",
    )
    return parser


async def serve(args: argparse.Namespace) -> None:
    """Run until a stop signal; prints where both hosts listen."""
    sandbox = Sandbox(
        host=args.host,
        port=args.port,
        mock_port=args.mock_port,
        seed=args.seed,
        real_rate=args.real_rate,
        mock_rate=args.mock_rate,
        token_interval=args.token_interval,
        walk_interval=args.walk_interval,
        approval_interval=args.approval_interval,
        ping_interval=args.ping_interval,
        ping_timeout=args.ping_timeout,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with sandbox:
        print(f"KIS sandbox real host: {sandbox.real_url}", flush=True)
        print(f"KIS sandbox mock host: {sandbox.mock_url}", flush=True)
        print(f"KISBOT_KIS_REAL_URL={sandbox.real_url}", flush=True)
        print(f"KISBOT_KIS_MOCK_URL={sandbox.mock_url}", flush=True)
        print(f"KISBOT_KIS_REAL_WS_URL={sandbox.real_ws_url}", flush=True)
        print(f"KISBOT_KIS_MOCK_WS_URL={sandbox.mock_ws_url}", flush=True)
        print(f"KISBOT_SYMBOLS_URL={sandbox.files_url}", flush=True)
        await stop.wait()
    print("KIS sandbox stopped.", flush=True)


def main(argv: list[str]) -> int:
    """Entry point of `kisbot sandbox`; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(serve(args))
    except OSError as error:
        print(f"kisbot sandbox: cannot listen: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
