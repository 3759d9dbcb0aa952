"""`kisbot demo`: the whole bot on the embedded defaults, chatting in this terminal.

The KIS sandbox runs in-process (a simulated market and a mock account), the database is SQLite
in a data directory (temporary unless --data-dir is given), and the real Application and handlers
talk to a local Bot API stub; the terminal chat plays the Telegram app. Nothing leaves the machine.
Charts are saved under DATA_DIR/demo-photos (with a temporary data directory, in a directory of
their own that outlives the demo) and the transcript prints each one's path.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kisbot.app import build_application, start_in_loop, stop_in_loop
from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.photos import PhotoFolder
from kisbot.chat.terminal import TerminalChat
from kisbot.config import ConfigError, load_settings
from kisbot.kis import Account, Credential, Environment, KisError
from kisbot.logs import configure_logging
from kisbot.sandbox import Sandbox
from kisbot.services import Services
from kisbot.store.vault import generate_key

PHOTO_DIR = "demo-photos"
DEMO_TOKEN = "100000001:DEMO-local-bot-token-not-a-real-secret"
DEMO_USER_ID = 10001
DEMO_CREDENTIAL = Credential(
    "DEMO-APP-KEY",
    "DEMO-APP-SECRET",
    Account.parse("50000000-01"),
    Environment.MOCK,
    hts_id="demouser",  # fill notices arrive over the sandbox's WebSocket
)

BANNER = {
    "ko": (
        "kisbot 데모 — 로컬 KIS 샌드박스(모의 시장)와 이 터미널에서 대화합니다.\n"
        "모의투자 계좌가 등록되어 있습니다. 예: /price 삼성전자, /daily 005930 20, /balance,\n"
        "/buy 005930 1, /orders, /alert 005930 above 80000.\n"
        "지정가 주문(/buy 005930 10 71000)은 시세가 닿으면 체결되고, 체결 알림이 저절로 옵니다.\n"
        "마지막 메시지의 버튼은 번호를 입력해 누릅니다. 차트는 PNG 파일로 저장되어\n"
        "경로가 표시됩니다. /help 로 전체 명령, /quit 로 종료."
    ),
    "en": (
        "kisbot demo — chatting in this terminal with a local KIS sandbox (a simulated market).\n"
        "A mock account is registered. Try /price 005930, /daily 005930 20, /balance,\n"
        "/buy 005930 1, /orders, /alert 005930 above 80000.\n"
        "A limit order (/buy 005930 10 71000) fills when the price gets there; its fill notice\n"
        "arrives by itself.\n"
        "Type a number to press that button of the latest message. Charts are saved as PNG files\n"
        "(their path is shown). /help lists every command, /quit leaves."
    ),
}


def main(argv: Sequence[str]) -> int:
    """Run the demo until the input ends or /quit."""
    parser = argparse.ArgumentParser(
        prog="kisbot demo",
        description="Try kisbot in this terminal: an in-process KIS sandbox, SQLite and a local "
        "chat. Reads the keyboard or a pipe: printf '/price 005930\\n' | kisbot demo",
    )
    parser.add_argument("--data-dir", type=Path, help="keep the demo's data here (default: temp)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated market")
    parser.add_argument("--lang", choices=("ko", "en"), default="ko", help="reply language")
    parser.add_argument("--verbose", action="store_true", help="show the bot's log lines")
    args = parser.parse_args(list(argv))
    configure_logging(logging.INFO if args.verbose else logging.WARNING)
    try:
        if args.data_dir is not None:
            asyncio.run(run_demo(args.data_dir, seed=args.seed, locale=args.lang))
        else:
            with tempfile.TemporaryDirectory(prefix="kisbot-demo-") as data_dir:
                demo = run_demo(Path(data_dir), seed=args.seed, locale=args.lang, ephemeral=True)
                asyncio.run(demo)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


async def run_demo(
    data_dir: Path,
    *,
    seed: int = 1,
    locale: str = "ko",
    lines: Sequence[str] | None = None,
    ephemeral: bool = False,
) -> None:
    """The demo itself; `lines` replaces standard input (for tests).

    An ephemeral data directory gets a master key in memory; a kept one gets master.key in it,
    so the demo's stored key still decrypts next time. Photos go to DATA_DIR/demo-photos, or,
    when the data directory is ephemeral, to a temporary directory that is kept.
    """
    async with (
        Sandbox(seed=seed, real_rate=0, mock_rate=0, token_interval=0) as sandbox,
        LocalBotApi(DEMO_TOKEN) as api,
    ):
        environment = _demo_environment(data_dir, sandbox, api, locale)
        if ephemeral:
            environment["KISBOT_MASTER_KEY"] = generate_key()
        settings = load_settings(environment)
        application = build_application(settings, rate_limiter=False)
        await start_in_loop(application)
        try:
            await _register_demo_key(application.bot_data["services"])
            application.bot_data["core"].realtime.nudge()  # the key's WebSocket, now
            print(BANNER[locale], flush=True)
            user = api.add_user("You", user_id=DEMO_USER_ID, language_code=locale)
            photos = PhotoFolder(None if ephemeral else data_dir / PHOTO_DIR)
            await TerminalChat(api, user, photos=photos).run(lines)
        finally:
            await stop_in_loop(application)


def _demo_environment(
    data_dir: Path, sandbox: Sandbox, api: LocalBotApi, locale: str
) -> dict[str, str]:
    return {
        **api.bot_env(),
        "KISBOT_KIS_REAL_URL": sandbox.real_url,
        "KISBOT_KIS_MOCK_URL": sandbox.mock_url,
        "KISBOT_KIS_REAL_WS_URL": sandbox.real_ws_url,
        "KISBOT_KIS_MOCK_WS_URL": sandbox.mock_ws_url,
        "KISBOT_SYMBOLS_URL": sandbox.files_url,
        "KISBOT_DATA_DIR": str(data_dir),
        "KISBOT_LOCALE": locale,
        # The simulated market is always open, so alerts work at any hour of the real day.
        "KISBOT_MARKET_HOURS_ONLY": "false",
        "KISBOT_ALERT_INTERVAL": "5",
        # Nobody else shares this sandbox: no need to pace calls.
        "KISBOT_KIS_REAL_RATE": "0",
        "KISBOT_KIS_MOCK_RATE": "0",
    }


async def _register_demo_key(services: Services) -> None:
    await services.database.credentials.put(DEMO_USER_ID, DEMO_CREDENTIAL)
    with contextlib.suppress(KisError):
        await services.kis.client(DEMO_CREDENTIAL).ensure_token()
