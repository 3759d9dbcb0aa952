"""Which stock a user means — the one resolver every command uses — and the /daily N rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from kisbot.kis import DailyBar, Environment
from kisbot.kis.master import Symbol
from kisbot.kis.symbols import SymbolDirectory
from kisbot.market import DEFAULT_DAYS, DailyChoices, DailyView, Market
from kisbot.problems import Problem
from kisbot.securities import ChoiceKind, Choices, Securities, Security, code_in, resolve_in
from tests.fakes.symbols import FixedSymbols


def _symbol(code: str, name: str, group: str = "ST") -> Symbol:
    return Symbol(code=code, isin=f"KR7{code}003", name=name, market="KOSPI", group=group)


DIRECTORY = SymbolDirectory(
    [
        _symbol("005930", "삼성전자"),
        _symbol("005935", "삼성전자우"),
        _symbol("006400", "삼성SDI"),
        _symbol("028260", "삼성물산"),
        _symbol("000660", "SK하이닉스"),
        _symbol("035420", "NAVER"),
        _symbol("068270", "셀트리온"),
        _symbol("0004Y0", "샌드박스알파"),
        _symbol("069500", "KODEX 200", group="EF"),
        _symbol("114800", "KODEX 인버스", group="EF"),
    ]
)
EMPTY = SymbolDirectory([])


def _problem_key(directory: SymbolDirectory, text: str) -> str:
    with pytest.raises(Problem) as raised:
        resolve_in(directory, text)
    return raised.value.key


def test_a_code_resolves_with_its_name() -> None:
    assert resolve_in(DIRECTORY, "005930") == Security("005930", "삼성전자")


@pytest.mark.parametrize(("typed", "code"), [("5930", "005930"), ("69500", "069500")])
def test_four_or_five_digits_are_a_code_with_its_leading_zeros(typed: str, code: str) -> None:
    assert resolve_in(DIRECTORY, typed).code == code  # type: ignore[union-attr]
    assert code_in(typed) == code


@pytest.mark.parametrize("typed", ["593", "1234567", "5930.0", "５９３０"])
def test_other_digit_strings_are_not_codes(typed: str) -> None:
    assert code_in(typed) is None


def test_an_alphanumeric_code_resolves_in_lower_case_too() -> None:
    assert resolve_in(DIRECTORY, "0004y0") == Security("0004Y0", "샌드박스알파")


def test_an_exact_korean_name_resolves_even_when_longer_names_share_it() -> None:
    assert resolve_in(DIRECTORY, "삼성전자") == Security("005930", "삼성전자")


def test_a_preferred_share_resolves_to_itself_not_to_the_common_share() -> None:
    assert resolve_in(DIRECTORY, "삼성전자우") == Security("005935", "삼성전자우")


def test_an_english_name_matches_regardless_of_case() -> None:
    assert resolve_in(DIRECTORY, "naver") == Security("035420", "NAVER")


def test_a_name_with_spaces_matches_without_them() -> None:
    assert resolve_in(DIRECTORY, "KODEX200") == Security("069500", "KODEX 200")


def test_a_partial_name_offers_every_match_to_choose_from() -> None:
    found = resolve_in(DIRECTORY, "삼성")
    assert isinstance(found, Choices) and found.kind is ChoiceKind.SEVERAL
    codes = {security.code for security in found.securities}
    assert codes == {"005930", "005935", "006400", "028260"}
    assert all(security.name for security in found.securities)


def test_a_part_of_exactly_one_name_is_that_stock_not_a_choice() -> None:
    assert resolve_in(DIRECTORY, "하이닉스") == Security("000660", "SK하이닉스")


def test_a_typo_is_offered_as_a_suggestion_never_assumed() -> None:
    found = resolve_in(DIRECTORY, "셀트리원")
    assert isinstance(found, Choices) and found.kind is ChoiceKind.SIMILAR
    assert [security.code for security in found.securities] == ["068270"]


def test_an_unknown_name_is_a_problem_naming_it() -> None:
    with pytest.raises(Problem) as raised:
        resolve_in(DIRECTORY, "없는회사이름")
    assert raised.value.key == "securities.unknown_name"
    assert raised.value.params["query"] == "없는회사이름"


def test_a_code_not_in_the_directory_is_still_used() -> None:
    assert resolve_in(DIRECTORY, "123450") == Security("123450", None)


def test_without_names_a_name_lookup_says_to_use_the_code() -> None:
    assert _problem_key(EMPTY, "삼성전자") == "securities.names_unavailable"


def test_without_names_codes_still_work() -> None:
    assert resolve_in(EMPTY, "005930") == Security("005930", None)
    assert resolve_in(EMPTY, "0004y0") == Security("0004Y0", None)


async def test_a_code_from_a_button_carries_the_directory_name() -> None:
    assert await Securities(FixedSymbols(DIRECTORY)).security("069500") == Security(
        "069500", "KODEX 200"
    )
    assert await Securities(FixedSymbols(EMPTY)).security("069500") == Security("069500", None)


# -- /daily CODE|NAME [N] --------------------------------------------------------------------


@dataclass
class _Client:
    environment: Environment = Environment.MOCK
    asked: list[tuple[str, int]] = field(default_factory=list)

    async def daily_prices(self, code: str, days: int) -> list[DailyBar]:
        self.asked.append((code, days))
        return []


@dataclass
class _Accounts:
    client_: _Client = field(default_factory=_Client)

    async def client(self, user_id: int) -> _Client:
        return self.client_


async def _daily(words: Sequence[str], directory: SymbolDirectory = DIRECTORY) -> object:
    """(code, days asked of KIS) for a resolved stock; (query, days) for choices."""
    accounts = _Accounts()
    market = Market(accounts, Securities(FixedSymbols(directory)))  # type: ignore[arg-type]
    found = await market.daily(1, words)
    if isinstance(found, DailyView):
        return (found.security.code, accounts.client_.asked[0][1])
    assert isinstance(found, DailyChoices)
    return (found.choices.query, found.days)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["005930"], ("005930", DEFAULT_DAYS)),
        (["005930", "20"], ("005930", 20)),
        (["삼성전자", "1"], ("005930", 1)),
        (["삼성전자", "100"], ("005930", 100)),
        (["KODEX", "200"], ("069500", DEFAULT_DAYS)),
        (["KODEX", "200", "5"], ("069500", 5)),
        (["KODEX", "인버스", "30"], ("114800", 30)),
        (["삼성", "5"], ("삼성", 5)),
    ],
)
async def test_daily_words_split_into_stock_and_days(
    words: list[str], expected: tuple[str, int]
) -> None:
    assert await _daily(words) == expected


@pytest.mark.parametrize("last", ["0", "101", "ten", "-5", "1.5", "9999999999"])
async def test_daily_days_out_of_range_or_not_a_number_is_a_problem(last: str) -> None:
    with pytest.raises(Problem) as raised:
        await _daily(["005930", last])
    assert raised.value.key == "quotes.bad_days"
    assert raised.value.params["given"] == last


async def test_daily_days_after_a_name_are_checked_too() -> None:
    with pytest.raises(Problem, match=r"quotes\.bad_days"):
        await _daily(["삼성전자", "0"])


async def test_daily_words_that_name_nothing_stay_one_name() -> None:
    with pytest.raises(Problem) as raised:
        await _daily(["없는", "회사이름"])
    assert raised.value.params["query"] == "없는 회사이름"


async def test_daily_kodex_200_without_names_is_not_read_as_200_days() -> None:
    with pytest.raises(Problem) as raised:
        await _daily(["KODEX", "200"], EMPTY)
    assert raised.value.key == "securities.names_unavailable"
    assert raised.value.params["query"] == "KODEX 200"
