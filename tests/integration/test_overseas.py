"""kisbot.kis's overseas operations against the sandbox over real HTTP: quotes, daily bars past
one call, limit orders (the US mock sell TR), fills, cancels, holdings, today's orders, master
files; Decimal end to end."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from kisbot.kis import KisClient, KisRefusal, OrderState, Side
from kisbot.kis.overseas import exchange
from kisbot.kis.overseas.master import file_name, parse_overseas_master
from kisbot.sandbox import Sandbox
from tests.integration.conftest import ACCOUNT, flavour

NASDAQ, NYSE, HONG_KONG = exchange("NAS"), exchange("NYS"), exchange("HKS")


async def test_a_quote_in_dollars_and_an_unknown_symbol(kis: KisClient, sandbox: Sandbox):
    sandbox.set_overseas_price("NAS", "AAPL", Decimal("191.25"))
    quote = await kis.overseas.quote(NASDAQ, "AAPL")
    assert quote is not None
    assert (quote.price, quote.change, quote.change_rate) == (
        Decimal("191.2500"),
        Decimal("0.7500"),
        Decimal("0.39"),
    )
    assert await kis.overseas.quote(NASDAQ, "ZZZZ") is None
    assert await kis.overseas.quote(NYSE, "AAPL") is None  # listed on NASDAQ, not NYSE


async def test_daily_bars_past_one_call_come_oldest_first(kis: KisClient):
    bars = await kis.overseas.daily(NASDAQ, "MSFT", 150)
    assert len(bars) == 150
    assert [bar.day for bar in bars] == sorted({bar.day for bar in bars})
    assert all(isinstance(bar.close, Decimal) and bar.low <= bar.high for bar in bars)


async def test_a_marketable_buy_fills_and_shows_in_orders_and_holdings(
    kis: KisClient, sandbox: Sandbox
):
    sandbox.force_overseas_hours(True)
    receipt = await kis.overseas.place_order(NASDAQ, Side.BUY, "AAPL", 1, Decimal("190.50"))
    assert len(receipt.order_no) == 10 and receipt.order_no.isdigit()
    (record,) = await kis.overseas.recent_orders()
    assert (record.order_no, record.state, record.filled_quantity) == (
        receipt.order_no,
        OrderState.FILLED,
        1,
    )
    assert record.avg_fill_price == Decimal("190.50") and record.exchange is NASDAQ
    (apple,) = await kis.overseas.holdings(NASDAQ)
    assert (apple.symbol, apple.quantity, apple.currency) == ("AAPL", 6, "USD")  # 5 at start
    assert apple.avg_price == Decimal("181.75")


async def test_a_us_sell_on_mock_takes_vttt1001u(mock: KisClient, sandbox: Sandbox):
    sandbox.force_overseas_hours(True)
    await mock.overseas.place_order(NASDAQ, Side.SELL, "AAPL", 2, Decimal("190.00"))
    (sent,) = sandbox.requests("/uapi/overseas-stock/v1/trading/order", flavour="mock")
    assert (sent.tr_id, sent.status) == ("VTTT1001U", 200)
    (apple,) = await mock.overseas.holdings(NASDAQ)
    assert apple.quantity == 3


async def test_a_resting_order_is_cancelled_and_fills_nothing(kis: KisClient, sandbox: Sandbox):
    sandbox.force_overseas_hours(False)  # New York is closed: the order rests
    receipt = await kis.overseas.place_order(NASDAQ, Side.BUY, "NVDA", 2, Decimal("130.00"))
    await kis.overseas.cancel_order(NASDAQ, "NVDA", receipt.order_no, 2)
    sandbox.force_overseas_hours(True)
    sandbox.set_overseas_price("NAS", "NVDA", Decimal("120"))
    (record,) = [r for r in await kis.overseas.recent_orders() if r.order_no == receipt.order_no]
    assert (record.filled_quantity, record.remaining_quantity) == (0, 0)
    assert record.state is OrderState.CANCELLED


async def test_a_resting_order_fills_when_the_price_reaches_it_in_hours(
    real: KisClient, sandbox: Sandbox
):
    sandbox.force_overseas_hours(False)
    receipt = await real.overseas.place_order(NASDAQ, Side.BUY, "TSLA", 1, Decimal("240.00"))
    sandbox.set_overseas_price("NAS", "TSLA", Decimal("239.00"))  # closed: nothing fills
    sandbox.force_overseas_hours(True)
    sandbox.set_overseas_price("NAS", "TSLA", Decimal("239.50"))
    (record,) = [r for r in await real.overseas.recent_orders() if r.order_no == receipt.order_no]
    assert record.state is OrderState.FILLED and record.avg_fill_price == Decimal("239.50")


@pytest.mark.parametrize(
    ("qty", "price", "code"),
    [(1, "0.001", "APBK1507"), (1000, "190.00", "SBX00022"), (50, "380.2", "SBX00026")],
)
async def test_orders_kis_would_refuse_are_refused(
    real: KisClient, qty: int, price: str, code: str
):
    market = HONG_KONG if code == "SBX00026" else NASDAQ  # Hong Kong trades in lots of 100
    symbol = "00700" if market is HONG_KONG else "AAPL"
    with pytest.raises(KisRefusal) as refused:
        await real.overseas.place_order(market, Side.BUY, symbol, qty, Decimal(price))
    assert refused.value.msg_cd == code


async def test_the_master_files_are_served_and_parsed(sandbox: Sandbox):
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{sandbox.files_url}/{file_name(NASDAQ)}")
    symbols = parse_overseas_master(answer.content, NASDAQ)
    by_symbol = {symbol.symbol: symbol for symbol in symbols}
    assert by_symbol["AAPL"].korean_name == "애플" and by_symbol["QQQ"].is_etp
    assert "KO" not in by_symbol  # a New York listing


async def test_accounts_are_apart_per_host(sandbox: Sandbox, kis: KisClient):
    account = sandbox.overseas_account(ACCOUNT, flavour(kis.environment))
    assert account.cash["USD"] == Decimal("10000.00")
