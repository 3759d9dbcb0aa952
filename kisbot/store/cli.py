"""`kisbot db upgrade`, `kisbot keygen` and `kisbot rotate-key`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from kisbot.config import ConfigError, Settings, load_settings
from kisbot.store.errors import DatabaseInUseError, StoreError, WrongKeyError
from kisbot.store.vault import Vault, generate_key, key_source, unread_key_file


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
        "(all keys listed there are tried for decryption). Stop the bot first: rotate-key "
        "refuses while a `kisbot run` uses the database. Run `kisbot db upgrade` first.",
    ).parse_args(argv)

    def work(settings: Settings) -> str:
        return asyncio.run(_rotate(settings))

    return _run(work)


async def _rotate(settings: Settings) -> str:
    from kisbot.store.database import open_database
    from kisbot.store.rotation import rotate_secrets
    from kisbot.store.runlock import exclusive_run_lock

    try:
        async with exclusive_run_lock(settings.resolved_database_url):
            database = await open_database(settings)
            try:
                result = await rotate_secrets(database.sessions, database.vault)
            finally:
                await database.close()
    except DatabaseInUseError as error:
        raise DatabaseInUseError(
            f"{error} The master key cannot be rotated under a running bot: it would go on "
            "with the old key, fail on every stored secret and write new ones under the old "
            "key. Stop every `kisbot run` that uses this database, run `kisbot rotate-key` "
            "again, then start the bot with the new key first. Nothing was changed."
        ) from None
    except WrongKeyError as error:
        if "KISBOT_MASTER_KEY=NEW" in str(error):
            raise
        raise WrongKeyError(
            f"{error} To rotate, list the new key first and every key in use after it, "
            "e.g. KISBOT_MASTER_KEY=NEW,CURRENT."
        ) from None
    done = (
        f"Re-encrypted {result.credentials} credential(s) and {result.tokens} token(s) with key "
        f"id {database.vault.key_id}."
    )
    return " ".join([done, *_next_steps(settings, database.vault)])


def _next_steps(settings: Settings, vault: Vault) -> list[str]:
    """What the operator does now with the old key(s), where they are kept."""
    source = key_source(settings)
    steps = []
    if len(vault.key_ids) > 1:
        steps.append(
            f"Every secret now uses the first key alone: keep only that key in {source} "
            "(the older ones decrypt nothing now; keep them in your backups until the bot has "
            "started with the new key), then start the bot."
        )
    found = unread_key_file(settings)
    if found is not None:
        path, keys = found
        if keys is None or set(keys.key_ids) != {vault.key_id}:
            steps.append(
                f"{path} is not read while KISBOT_MASTER_KEY is set and holds an older key: "
                "move it to your backups (the bot warns at start while it is there), or write "
                "the new key alone into it and unset KISBOT_MASTER_KEY."
            )
    return steps


def _run(work: Callable[[Settings], str]) -> int:
    try:
        settings = load_settings()
        print(work(settings))
    except (ConfigError, StoreError) as exc:
        print(f"kisbot: {exc}", file=sys.stderr)
        return 1
    return 0
