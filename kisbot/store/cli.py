"""`kisbot db upgrade`, `kisbot keygen` and `kisbot rotate-key`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from kisbot.config import ConfigError, Settings, load_settings
from kisbot.store.errors import StoreError
from kisbot.store.vault import generate_key


def db_main(argv: list[str]) -> int:
    """`kisbot db upgrade [REVISION]`: migrate the database of KISBOT_DATABASE_URL."""
    parser = argparse.ArgumentParser(prog="kisbot db", description="Database maintenance.")
    commands = parser.add_subparsers(dest="action", required=True)
    upgrade = commands.add_parser("upgrade", help="migrate the database to the latest schema")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    args = parser.parse_args(argv)

    from kisbot.store.migrations import upgrade_database

    def work(settings: Settings) -> str:
        asyncio.run(upgrade_database(settings.resolved_database_url, args.revision))
        return f"Database is up to date ({args.revision})."

    return _run(work)


def keygen_main(argv: list[str]) -> int:
    """`kisbot keygen`: print a new master key."""
    argparse.ArgumentParser(
        prog="kisbot keygen",
        description="Print a new Fernet master key. To rotate, put it first in "
        "KISBOT_MASTER_KEY (new,old), run `kisbot rotate-key`, then drop the old key.",
    ).parse_args(argv)
    print(generate_key())
    return 0


def rotate_key_main(argv: list[str]) -> int:
    """`kisbot rotate-key`: re-encrypt every stored secret with the first configured key."""
    argparse.ArgumentParser(
        prog="kisbot rotate-key",
        description="Re-encrypt every stored secret with the first key of KISBOT_MASTER_KEY "
        "(all keys listed there are tried for decryption). Run `kisbot db upgrade` first.",
    ).parse_args(argv)

    def work(settings: Settings) -> str:
        return asyncio.run(_rotate(settings))

    return _run(work)


async def _rotate(settings: Settings) -> str:
    from kisbot.store.database import open_database
    from kisbot.store.rotation import rotate_secrets

    database = await open_database(settings)
    try:
        result = await rotate_secrets(database.sessions, database.vault)
    finally:
        await database.close()
    return (
        f"Re-encrypted {result.credentials} credential(s) and {result.tokens} token(s) with key "
        f"id {database.vault.key_id}. Older keys can now be removed from KISBOT_MASTER_KEY."
    )


def _run(work: Callable[[Settings], str]) -> int:
    try:
        settings = load_settings()
        print(work(settings))
    except (ConfigError, StoreError) as exc:
        print(f"kisbot: {exc}", file=sys.stderr)
        return 1
    return 0
