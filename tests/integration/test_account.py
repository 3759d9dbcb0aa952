"""Balance, buying power, open orders and today's orders against the sandbox, real and mock."""

from __future__ import annotations

from kisbot.kis import Environment, KisClient, OrderState, Side
from kisbot.sandbox import Sandbox
from kisbot.sandbox.catalog import LISTINGS
from tests.integration.conftest import ACCOUNT, flavour

TRADING = "/uapi/domestic-stock/v1/trading"
STARTING_CODES = {"005930", "035720", "069500"}  # what every new sandbox account holds


async def test_balance_reads_every_page_of_holdings(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    sandbox.set_cash(ACCOUNT, 100_000_000, flavour=flavour(environment))
    bought = [item.code for item in LISTINGS if item.code not in STARTING_CODES][:18]
    for code in bought:
        await kis.place_order(Side.BUY, code, 1)

    balance = await kis.balance()

    held = {holding.code: holding for holding in balance.holdings}
    assert set(held) == STARTING_CODES | set(bought)  # 21 holdings
    assert held["005930"].quantity == 10
    assert all(held[code].quantity == 1 for code in bought)
    spent = sum(sandbox.price(code) for code in bought)
    assert balance.summary.d2_cash == 100_000_000 - spent
    assert balance.summary.evaluation_total == sum(h.evaluation for h in held.values())
    pages = sandbox.requests(f"{TRADING}/inquire-balance", flavour=flavour(environment))
    # Mock pages hold 20 rows, real ones 50: only mock needs a second page here.
    assert len(pages) == (2 if environment.is_mock else 1)


async def test_balance_leaves_out_stock_sold_today(kis: KisClient) -> None:
    await kis.place_order(Side.SELL, "035720", 20)

    balance = await kis.balance()

    assert {holding.code for holding in balance.holdings} == STARTING_CODES - {"035720"}


async def test_buying_power_at_a_limit_price_and_at_market(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    sandbox.set_cash(ACCOUNT, 1_000_000, flavour=flavour(environment))
    sandbox.set_price("005930", 70_000)

    at_limit = await kis.buying_power("005930", 70_000)
    at_market = await kis.buying_power("005930")

    assert at_limit.cash == 1_000_000
    assert at_limit.max_quantity == 14
    # A market buy reserves cash at the day's upper limit, so it buys fewer.
    assert 0 < at_market.max_quantity < at_limit.max_quantity
    assert at_market.price is None


async def test_open_orders_lists_resting_orders_only(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    sandbox.set_price("005930", 70_000)
    resting = await kis.place_order(Side.BUY, "005930", 3, 65_000)
    await kis.place_order(Side.BUY, "005930", 1)  # market: fills at once

    open_orders = await kis.open_orders()

    assert [order.order_no for order in open_orders] == [resting.order_no]
    assert open_orders[0].cancellable_quantity == 3
    assert open_orders[0].price == 65_000
    assert open_orders[0].side is Side.BUY
    # Real asks the open-order API; mock has none, so today's unfilled executions stand in.
    used = {entry.tr_id for entry in sandbox.requests(flavour=flavour(environment))}
    if environment.is_mock:
        assert "VTTC0081R" in used and "TTTC0084R" not in used
    else:
        assert "TTTC0084R" in used and "TTTC0081R" not in used


async def test_todays_orders_follow_an_order_from_open_to_filled(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    sandbox.set_price("035720", 40_150)
    receipt = await kis.place_order(Side.BUY, "035720", 10, 39_000)

    async def state() -> OrderState:
        records = await kis.todays_orders()
        return next(r for r in records if r.order_no == receipt.order_no).state

    assert await state() is OrderState.OPEN
    sandbox.fill(receipt.order_no, 4, flavour=flavour(environment))
    assert await state() is OrderState.PARTIAL
    sandbox.set_price("035720", 38_900)
    assert await state() is OrderState.FILLED

    records = await kis.todays_orders()
    filled = next(r for r in records if r.order_no == receipt.order_no)
    assert filled.filled_quantity == 10
    assert filled.remaining_quantity == 0
    assert filled.avg_fill_price == 39_000


async def test_todays_orders_read_every_page(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    sandbox.set_price("005930", 70_000)
    placed = [await kis.place_order(Side.BUY, "005930", 1, 60_000) for _ in range(17)]

    records = await kis.todays_orders()

    assert {r.order_no for r in records} == {receipt.order_no for receipt in placed}
    assert all(r.state is OrderState.OPEN for r in records)
    pages = sandbox.requests(f"{TRADING}/inquire-daily-ccld", flavour=flavour(environment))
    assert len(pages) == (2 if environment.is_mock else 1)  # mock pages hold 15 rows
