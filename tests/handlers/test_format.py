"""Long replies: split or cut into parts Telegram accepts, never dropped, never broken HTML."""

from __future__ import annotations

import re

import pytest

from handlers.format import cut_message, split_message
from handlers.i18n import QUOTE_LIMIT, render

_TAG = re.compile(r"</?([a-z]+)[^>]*>")


def _balanced(html: str) -> bool:
    stack: list[str] = []
    for match in _TAG.finditer(html):
        name = match.group(1)
        if match.group(0).startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def _text(html: str) -> str:
    return _TAG.sub("", html)


@pytest.mark.parametrize(
    "html",
    [
        "<b>title</b>\n<pre>" + "\n".join(f"row {n} &amp; more" for n in range(700)) + "</pre>",
        "<code>" + "가" * 9_000 + "</code>",
        "a" * 10_000,
        "<b>" + "&lt;" * 3_000 + "</b>\n" + "x" * 5_000,
    ],
)
def test_every_part_fits_and_is_valid_and_together_they_hold_everything(html: str) -> None:
    parts = split_message(html, 4_000)
    assert len(parts) > 1
    assert all(len(part) <= 4_000 and _balanced(part) for part in parts)
    assert all("&" not in part.replace("&amp;", "").replace("&lt;", "") for part in parts)
    assert "".join(_text(part) for part in parts) == _text(html)


def test_a_short_reply_is_one_part_unchanged() -> None:
    assert split_message("<b>hi</b>") == ["<b>hi</b>"]


def test_cutting_keeps_valid_html_and_marks_the_cut() -> None:
    cut = cut_message("<b>" + "x" * 50 + "</b>", 20)
    assert len(cut) <= 20 and _balanced(cut) and cut.endswith("…")


def test_quoted_user_input_is_shortened_and_escaped_in_one_place() -> None:
    text = render("ko", "securities.unknown_name", query="<b>" + "가" * 4_000)
    assert len(text) < QUOTE_LIMIT + 200
    assert "&lt;b&gt;" in text and "<b>" not in text
