"""The `kisbot` command: run | demo | sandbox | db upgrade | keygen | rotate-key | health | status.

Each subcommand lives with the code it drives and parses its own arguments; this module only
dispatches, so `kisbot SUBCOMMAND --help` is answered by the subcommand itself.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence

from kisbot import __version__

# name -> (module, function, one-line help). The function takes the remaining argv and returns
# the process exit code.
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("kisbot.app", "main", "run the Telegram bot (long polling, or a webhook)"),
    "demo": ("kisbot.chat.demo", "main", "try the bot in this terminal (sandbox, SQLite)"),
    "sandbox": ("kisbot.sandbox.cli", "main", "serve a local KIS-compatible API"),
    "db": ("kisbot.store.cli", "db_main", "database maintenance: `kisbot db upgrade` migrates"),
    "keygen": ("kisbot.store.cli", "keygen_main", "print a new master key for KISBOT_MASTER_KEY"),
    "rotate-key": ("kisbot.store.cli", "rotate_key_main", "re-encrypt secrets with the first key"),
    "health": ("kisbot.health", "main", "exit 0 if the bot running here is healthy (Docker)"),
    "status": ("kisbot.store.status", "main", "show the running bots and the app keys each owns"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kisbot",
        description="A self-hosted Telegram bot for the Korea Investment & Securities Open API.",
        epilog="Configuration comes from KISBOT_* environment variables; see the README.",
    )
    parser.add_argument("--version", action="version", version=f"kisbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, _, summary) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=summary, add_help=False)
        sub.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _load(name: str) -> Callable[[list[str]], int] | None:
    module_name, function_name, _ = SUBCOMMANDS[name]
    if importlib.util.find_spec(module_name) is None:
        return None
    module = importlib.import_module(module_name)
    return getattr(module, function_name, None)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or words[0] not in SUBCOMMANDS:
        build_parser().parse_args(words)  # help, version, or a usage error; all exit here
        return 2
    # The subcommand parses the rest itself (argparse's REMAINDER would swallow its options).
    name, rest = words[0], words[1:]
    command = _load(name)
    if command is None:
        print(f"kisbot {name}: not yet available in this version.", file=sys.stderr)
        return 2
    return command(rest)


if __name__ == "__main__":
    sys.exit(main())
