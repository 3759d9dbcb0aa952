"""`kisbot run` when things around it are not ready (issue #10).

Local problems (master key, database, webhook address) end the process at once, with a message
and before any Bot API call. An unreachable Bot API is waited for, one log line per attempt,
until it answers or SIGTERM comes; a Bot API that goes away while the bot runs is survived.
Nothing here may print a traceback, "Unclosed client session" or any other warning noise.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.wire import Fault
from kisbot.config import load_settings
from kisbot.sandbox import Sandbox
from kisbot.services import open_services
from kisbot.store.vault import generate_key
from tests.e2e.process import KisbotProcess, bot_env, free_port
from tests.store.factories import credential

TOKEN = "700000005:AAStartup-Test-Token-Only_abcdefghijkl"
OTHER_TOKEN = "700000006:AAAnother-Test-Token-Only_abcdefghijk"
UNREACHABLE = "Telegram Bot API not reachable"
NOISE = ("Traceback", "Unclosed", "Task was destroyed", "Warning:", "never awaited")


def assert_quiet(output: str) -> None:
    for noise in NOISE:
        assert noise not in output, output
    for token in (TOKEN, OTHER_TOKEN):
        assert token.split(":")[1] not in output


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(real_rate=0, mock_rate=0, token_interval=0) as running:
        yield running


def env_for(sandbox: Sandbox, tmp_path: Path, api_url: str, **extra: str) -> dict[str, str]:
    return bot_env(
        None,
        sandbox,
        str(tmp_path / "data"),
        KISBOT_TELEGRAM_TOKEN=TOKEN,
        KISBOT_TELEGRAM_API_URL=api_url,
        KISBOT_MASTER_KEY=generate_key(),
        **extra,
    )


async def answers(api: LocalBotApi, text: str) -> str:
    user = api.add_user("Tester")
    api.send_text(user, text)
    (reply,) = await api.wait_for_messages(api.private_chat(user), 1, timeout=20)
    return reply.text or ""


# -- the Bot API is not there --------------------------------------------------------------


async def test_an_unreachable_bot_api_is_retried_in_one_line_each_until_sigterm(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = env_for(sandbox, tmp_path, f"http://127.0.0.1:{free_port()}")
    async with KisbotProcess("run", env=env) as bot:
        attempts = await bot.wait_for_lines(UNREACHABLE, count=3, timeout=60)
        assert bot.running
        assert [int(line.split("attempt ")[1].split(",")[0]) for line in attempts] == [1, 2, 3]
        assert await bot.terminate(timeout=5) == 0
    assert_quiet(bot.output)
    assert len([line for line in bot.lines if "WARNING" in line or "ERROR" in line]) == len(
        [line for line in bot.lines if UNREACHABLE in line]
    )


async def test_a_bot_api_that_comes_up_later_is_picked_up(sandbox: Sandbox, tmp_path: Path) -> None:
    port = free_port()
    api = LocalBotApi(TOKEN, port=port)
    env = env_for(sandbox, tmp_path, f"http://127.0.0.1:{port}")
    try:
        async with KisbotProcess("run", env=env) as bot:
            await bot.wait_for_lines(UNREACHABLE, timeout=60)
            await api.start()
            await api.wait_until_polling(timeout=60)
            assert "/help" in await answers(api, "/start")
            assert len(api.calls_of("setMyCommands")) == 3  # the command menus, once each
            assert await bot.terminate() == 0
    finally:
        await api.close()
    assert_quiet(bot.output)


async def test_server_errors_and_429_at_start_are_waited_for(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with LocalBotApi(TOKEN) as api:
        api.fail_next("getMe", Fault.server_error())
        api.fail_next("setMyCommands", Fault(502, "Bad Gateway"))
        api.fail_next("deleteWebhook", Fault.too_many_requests(1))
        env = env_for(sandbox, tmp_path, api.root_url)
        async with KisbotProcess("run", env=env) as bot:
            await api.wait_until_polling(timeout=60)
            assert "/help" in await answers(api, "/frobnicate")
            assert await bot.terminate() == 0
    # A 429 is waited out by PTB's rate limiter itself; the 5xx answers, here, in one line each.
    assert [call.status for call in api.calls_of("deleteWebhook")] == [429, 200]
    assert len([line for line in bot.lines if UNREACHABLE in line]) == 2
    assert_quiet(bot.output)


async def test_a_bot_api_that_goes_away_while_running_is_survived(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with LocalBotApi(TOKEN) as api:
        env = env_for(sandbox, tmp_path, api.root_url)
        async with KisbotProcess("run", env=env) as bot:
            await api.wait_until_polling(timeout=30)
            await api.close()
            await bot.wait_for_lines("getUpdates failed", count=2, timeout=30)
            await api.start()
            await api.wait_until_polling(timeout=60)
            assert "/help" in await answers(api, "/frobnicate")

            await api.close()  # and SIGTERM while it is away: the last getUpdates fails too
            await bot.wait_for_lines("getUpdates failed", count=3, timeout=30)
            assert await bot.terminate() == 0
    assert_quiet(bot.output)


async def test_sigterm_during_a_long_bot_api_outage_stops_at_once(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with LocalBotApi(TOKEN) as api:
        env = env_for(sandbox, tmp_path, api.root_url)
        async with KisbotProcess("run", env=env) as bot:
            await api.wait_until_polling(timeout=30)
            await api.close()
            # PTB now pauses longer than 5 s before polling again (1 s, growing to 30 s).
            await bot.wait_for_lines("getUpdates failed", count=6, timeout=60)
            assert await bot.terminate(timeout=5) == 0
    assert_quiet(bot.output)


async def test_an_invalid_token_ends_the_process_with_a_message(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with LocalBotApi(OTHER_TOKEN) as api:  # answers 401 to TOKEN
        env = env_for(sandbox, tmp_path, api.root_url)
        async with KisbotProcess("run", env=env) as bot:
            code = await bot.wait(timeout=60)
    assert code == 2
    assert "KISBOT_TELEGRAM_TOKEN" in bot.output and "@BotFather" in bot.output
    assert UNREACHABLE not in bot.output
    assert_quiet(bot.output)


# -- local problems: at once, before any network -------------------------------------------


async def _secrets_under(key: str, data_dir: Path) -> None:
    settings = load_settings({"KISBOT_DATA_DIR": str(data_dir), "KISBOT_MASTER_KEY": key})
    services = await open_services(settings)
    try:
        await services.database.credentials.put(1, credential())
    finally:
        await services.aclose()


async def wrong_key(data_dir: Path) -> dict[str, str]:
    await _secrets_under(generate_key(), data_dir)
    return {}  # env_for's fresh key is not the one the secrets use


async def malformed_key(data_dir: Path) -> dict[str, str]:
    return {"KISBOT_MASTER_KEY": "not-a-fernet-key-0123456789"}


async def unreadable_database(data_dir: Path) -> dict[str, str]:
    garbage = data_dir / "garbage.db"
    garbage.parent.mkdir(parents=True)
    garbage.write_bytes(b"this is not a SQLite database, not even its header" * 100)
    return {"KISBOT_DATABASE_URL": f"sqlite+aiosqlite:///{garbage}"}


async def unreachable_postgres(data_dir: Path) -> dict[str, str]:
    return {"KISBOT_DATABASE_URL": f"postgresql+asyncpg://kisbot@127.0.0.1:{free_port()}/kisbot"}


async def key_only_in_an_unread_master_key_file(data_dir: Path) -> dict[str, str]:
    old = generate_key()
    await _secrets_under(old, data_dir)
    (data_dir / "master.key").write_text(old + "\n")
    return {}  # KISBOT_MASTER_KEY is set (to another key), so the file is not read


@pytest.mark.parametrize(
    ("problem", "said"),
    [
        (wrong_key, "master key"),
        (malformed_key, "KISBOT_MASTER_KEY"),
        (unreadable_database, "database"),
        (unreachable_postgres, "KISBOT_DATABASE_URL"),
        (key_only_in_an_unread_master_key_file, "master.key"),
    ],
)
async def test_a_local_problem_ends_the_process_before_any_network_call(
    sandbox: Sandbox, tmp_path: Path, problem: object, said: str
) -> None:
    extra = await problem(tmp_path / "data")  # type: ignore[operator]
    async with LocalBotApi(TOKEN) as api:
        env = {**env_for(sandbox, tmp_path, api.root_url), **extra}
        async with KisbotProcess("run", env=env) as bot:
            code = await bot.wait(timeout=60)
        assert api.calls == []
    assert code == 1, bot.output
    assert "kisbot cannot start" in bot.output and said in bot.output
    assert_quiet(bot.output)


async def test_a_webhook_address_in_use_ends_the_process_before_any_network_call(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        async with LocalBotApi(TOKEN) as api:
            env = env_for(
                sandbox,
                tmp_path,
                api.root_url,
                KISBOT_WEBHOOK_URL="https://bot.example.com/hook",
                KISBOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
            )
            async with KisbotProcess("run", env=env) as bot:
                code = await bot.wait(timeout=60)
            assert api.calls == []
    assert code == 2
    assert "KISBOT_WEBHOOK_LISTEN" in bot.output
    assert_quiet(bot.output)


# -- webhook mode ---------------------------------------------------------------------------


async def test_webhook_mode_waits_for_a_failing_set_webhook(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    port = free_port()
    async with LocalBotApi(TOKEN) as api:
        api.fail_next("setWebhook", Fault.server_error(), times=2)
        env = env_for(
            sandbox,
            tmp_path,
            api.root_url,
            KISBOT_WEBHOOK_URL="https://bot.example.com/hook",
            KISBOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
            KISBOT_WEBHOOK_SECRET="startup-secret",
        )
        async with KisbotProcess("run", env=env) as bot:
            await bot.wait_for_lines(UNREACHABLE, count=2, timeout=60)
            await api.wait_for_calls("setWebhook", count=3, timeout=60)
            await bot.wait_for_lines("kisbot is running", timeout=30)
            user = api.add_user("Hooked")
            api.send_text(user, "/frobnicate")
            async with httpx.AsyncClient() as http:
                posted = await http.post(
                    f"http://127.0.0.1:{port}/hook",
                    json=api.pending_updates[-1],
                    headers={"X-Telegram-Bot-Api-Secret-Token": "startup-secret"},
                )
            assert posted.status_code == 200
            (reply,) = await api.wait_for_messages(api.private_chat(user), 1, timeout=20)
            assert "/help" in (reply.text or "")
            assert await bot.terminate() == 0
    assert_quiet(bot.output)
    assert "startup-secret" not in bot.output


async def test_sigterm_while_waiting_for_the_bot_api_in_webhook_mode_exits_cleanly(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = env_for(
        sandbox,
        tmp_path,
        f"http://127.0.0.1:{free_port()}",
        KISBOT_WEBHOOK_URL="https://bot.example.com/hook",
        KISBOT_WEBHOOK_LISTEN=f"127.0.0.1:{free_port()}",
    )
    async with KisbotProcess("run", env=env) as bot:
        await bot.wait_for_lines(UNREACHABLE, count=1, timeout=60)
        await asyncio.sleep(0)
        assert await bot.terminate(timeout=5) == 0
    assert_quiet(bot.output)
