"""Which stock a user means: codes, exact names, ambiguous names, and the /daily N rule."""

from __future__ import annotations

import pytest

from kisbot.kis.master import Symbol
from kisbot.kis.symbols import SymbolDirectory
from kisbot.problems import Problem
from kisbot.quotes import (
    DEFAULT_DAYS,
    Choices,
    DailyRequest,
    Security,
    resolve_in,
    security_for_code,
    split_daily_words,
)


def _symbol(code: str, name: str, group: str = "ST") -> Symbol:
    return Symbol(code=code, isin=f"KR7{code}003", name=name, market="KOSPI", group=group)


DIRECTORY = SymbolDirectory(
    [
        _symbol("005930", "삼성전자"),
        _symbol("005935", "삼성전자우"),
        _symbol("006400", "삼성SDI"),
        _symbol("028260", "삼성물산"),
        _symbol("035420", "NAVER"),
        _symbol("0004Y0", "샌드박스알파"),
        _symbol("069500", "KODEX 200", group="EF"),
        _symbol("114800", "KODEX 인버스", group="EF"),
    ]
)
EMPTY = SymbolDirectory([])


def _problem_key(call: object) -> str:
    with pytest.raises(Problem) as raised:
        call()  # type: ignore[operator]
    return raised.value.key


def test_a_code_resolves_with_its_name() -> None:
    assert resolve_in(DIRECTORY, "005930") == Security("005930", "삼성전자")


def test_an_alphanumeric_code_resolves_in_lower_case_too() -> None:
    assert resolve_in(DIRECTORY, "0004y0") == Security("0004Y0", "샌드박스알파")


def test_an_exact_korean_name_resolves_even_when_longer_names_share_it() -> None:
    assert resolve_in(DIRECTORY, "삼성전자") == Security("005930", "삼성전자")


def test_an_english_name_matches_regardless_of_case() -> None:
    assert resolve_in(DIRECTORY, "naver") == Security("035420", "NAVER")


def test_a_name_with_spaces_matches_without_them() -> None:
    assert resolve_in(DIRECTORY, "KODEX200") == Security("069500", "KODEX 200")


def test_a_partial_name_offers_every_match_to_choose_from() -> None:
    found = resolve_in(DIRECTORY, "삼성")
    assert isinstance(found, Choices)
    codes = {security.code for security in found.securities}
    assert codes == {"005930", "005935", "006400", "028260"}
    assert all(security.name for security in found.securities)


def test_an_unknown_name_is_a_problem_naming_it() -> None:
    with pytest.raises(Problem) as raised:
        resolve_in(DIRECTORY, "없는회사")
    assert raised.value.key == "quotes.unknown_name"
    assert raised.value.params["query"] == "없는회사"


def test_a_very_long_unknown_name_is_shortened_in_the_problem() -> None:
    with pytest.raises(Problem) as raised:
        resolve_in(DIRECTORY, "가" * 500)
    assert len(raised.value.params["query"]) <= 60


def test_a_code_not_in_the_directory_is_still_used() -> None:
    assert resolve_in(DIRECTORY, "123450") == Security("123450", None)


def test_without_names_a_name_lookup_says_to_use_the_code() -> None:
    assert _problem_key(lambda: resolve_in(EMPTY, "삼성전자")) == "quotes.names_unavailable"


def test_without_names_codes_still_work() -> None:
    assert resolve_in(EMPTY, "005930") == Security("005930", None)
    assert resolve_in(EMPTY, "0004y0") == Security("0004Y0", None)


def test_security_for_a_code_from_a_button_carries_the_directory_name() -> None:
    assert security_for_code(DIRECTORY, "069500") == Security("069500", "KODEX 200")
    assert security_for_code(EMPTY, "069500") == Security("069500", None)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["005930"], DailyRequest("005930", DEFAULT_DAYS)),
        (["005930", "20"], DailyRequest("005930", 20)),
        (["삼성전자", "1"], DailyRequest("삼성전자", 1)),
        (["삼성전자", "100"], DailyRequest("삼성전자", 100)),
        (["KODEX", "200"], DailyRequest("KODEX 200", DEFAULT_DAYS)),
        (["KODEX", "200", "5"], DailyRequest("KODEX 200", 5)),
        (["KODEX", "인버스", "30"], DailyRequest("KODEX 인버스", 30)),
        (["삼성", "5"], DailyRequest("삼성", 5)),
    ],
)
def test_daily_words_split_into_stock_and_days(words: list[str], expected: DailyRequest) -> None:
    assert split_daily_words(DIRECTORY, words) == expected


@pytest.mark.parametrize("last", ["0", "101", "ten", "-5", "1.5", "9999999999"])
def test_daily_days_out_of_range_or_not_a_number_is_a_problem(last: str) -> None:
    with pytest.raises(Problem) as raised:
        split_daily_words(DIRECTORY, ["005930", last])
    assert raised.value.key == "quotes.bad_days"
    assert raised.value.params["given"] == last


def test_daily_days_after_a_name_are_checked_too() -> None:
    assert _problem_key(lambda: split_daily_words(DIRECTORY, ["삼성전자", "0"])) == (
        "quotes.bad_days"
    )


def test_daily_words_that_name_nothing_stay_one_name() -> None:
    assert split_daily_words(DIRECTORY, ["없는", "회사"]) == DailyRequest("없는 회사")


def test_daily_kodex_200_without_names_is_not_read_as_200_days() -> None:
    request = split_daily_words(EMPTY, ["KODEX", "200"])
    assert request == DailyRequest("KODEX 200")
    assert _problem_key(lambda: resolve_in(EMPTY, request.query)) == "quotes.names_unavailable"
