from __future__ import annotations

import io
import logging

import pytest

from kisbot.logs import RedactingFilter

BOT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno"
JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ0b2tlbiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.fixture
def log_output() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("kisbot.test.redaction")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_bot_token_in_a_url_is_masked(log_output) -> None:
    logger, stream = log_output
    logger.info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", BOT_TOKEN)
    assert BOT_TOKEN not in stream.getvalue()
    assert "[REDACTED]" in stream.getvalue()


def test_access_token_in_an_exception_is_masked(log_output) -> None:
    logger, stream = log_output
    try:
        raise RuntimeError(f"authorization: Bearer {JWT}")
    except RuntimeError:
        logger.exception("call failed")
    assert JWT not in stream.getvalue()
    assert "call failed" in stream.getvalue()


def test_registered_literal_is_masked() -> None:
    redactor = RedactingFilter()
    redactor.add("app-secret-value-1234")
    assert "app-secret-value-1234" not in redactor.redact("secret=app-secret-value-1234")


def test_ordinary_messages_are_untouched(log_output) -> None:
    logger, stream = log_output
    logger.info("user %s ran /price 005930: ok", 42)
    assert stream.getvalue().strip() == "user 42 ran /price 005930: ok"


def test_setkey_arguments_are_masked_in_an_update_dump(log_output) -> None:
    logger, stream = log_output
    logger.debug("update: {'text': '/setkey PSk3yAppKey s3cretValue= 12345678-01 mock', 'id': 5}")
    output = stream.getvalue()
    assert "PSk3yAppKey" not in output
    assert "s3cretValue" not in output
    assert "12345678-01" not in output
    assert "'id': 5" in output


def test_the_command_log_line_of_setkey_keeps_its_outcome(log_output) -> None:
    logger, stream = log_output
    logger.info("user=%s %s outcome=%s", 7, "/setkey", "ok")
    assert stream.getvalue().strip() == "user=7 /setkey outcome=ok"
