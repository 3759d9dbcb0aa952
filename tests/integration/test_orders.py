"""Placing, filling, cancelling and modifying orders through kisbot.kis, real and mock."""

from __future__ import annotations

from kisbot.kis import Environment, KisClient, KisService, OrderState, Side
from kisbot.sandbox import Sandbox
from tests.integration.conftest import ACCOUNT, credential, flavour

TRADING = "/uapi/domestic-stock/v1/trading"


async def held(kis: KisClient, code: str) -> int:
    balance = await kis.balance()
    return sum(h.quantity for h in balance.holdings if h.code == code)


async def test_market_buy_fills_at_once(kis: KisClient, sandbox: Sandbox) -> None:
    before = await held(kis, "005930")

    receipt = await kis.place_order(Side.BUY, "005930", 3)

    assert receipt.order_no.isdigit()
    assert receipt.org_no
    assert receipt.msg1  # what the user is shown, e.g. "주문 전송 완료 되었습니다."
    assert receipt.ordered_at is not None
    assert await held(kis, "005930") == before + 3


async def test_limit_sell_that_crosses_fills_at_once(kis: KisClient, sandbox: Sandbox) -> None:
    sandbox.set_price("069500", 35_120)

    await kis.place_order(Side.SELL, "069500", 5, 35_000)

    assert await held(kis, "069500") == 10


async def test_limit_buy_rests_until_the_price_reaches_it(kis: KisClient, sandbox: Sandbox) -> None:
    sandbox.set_price("000660", 182_000)
    receipt = await kis.place_order(Side.BUY, "000660", 2, 180_000)
    assert await held(kis, "000660") == 0
    assert [o.order_no for o in await kis.open_orders()] == [receipt.order_no]

    sandbox.set_price("000660", 179_500)

    assert await held(kis, "000660") == 2
    assert await kis.open_orders() == []
    record = next(r for r in await kis.todays_orders() if r.order_no == receipt.order_no)
    assert record.state is OrderState.FILLED
    assert record.avg_fill_price == 180_000


async def test_cancel_the_whole_open_order(kis: KisClient, sandbox: Sandbox) -> None:
    sandbox.set_price("005930", 70_000)
    receipt = await kis.place_order(Side.BUY, "005930", 5, 66_000)

    cancel = await kis.cancel_order(receipt.order_no, receipt.org_no)

    assert cancel.order_no != receipt.order_no  # a cancel gets its own number
    assert await kis.open_orders() == []
    original = next(r for r in await kis.todays_orders() if r.order_no == receipt.order_no)
    assert original.state is OrderState.CANCELLED
    sandbox.set_price("005930", 65_000)
    assert await held(kis, "005930") == 10  # the cancelled order never fills


async def test_cancel_part_of_an_order_leaves_the_rest_open(
    kis: KisClient, sandbox: Sandbox
) -> None:
    sandbox.set_price("005930", 70_000)
    receipt = await kis.place_order(Side.BUY, "005930", 10, 66_000)

    await kis.cancel_order(receipt.order_no.lstrip("0"), receipt.org_no, quantity=4)

    (still_open,) = await kis.open_orders()
    assert still_open.order_no == receipt.order_no
    assert still_open.cancellable_quantity == 6


async def test_modify_moves_the_order_to_the_new_price(kis: KisClient, sandbox: Sandbox) -> None:
    sandbox.set_price("005930", 70_000)
    receipt = await kis.place_order(Side.BUY, "005930", 4, 65_000)

    modified = await kis.modify_order(receipt.order_no, receipt.org_no, 68_000)

    (open_order,) = await kis.open_orders()
    assert open_order.order_no == modified.order_no != receipt.order_no
    assert open_order.price == 68_000
    assert open_order.cancellable_quantity == 4
    sandbox.set_price("005930", 68_000)
    assert await held(kis, "005930") == 14


async def test_hashkey_is_fetched_before_each_order_when_on(
    service: KisService, sandbox: Sandbox, environment: Environment
) -> None:
    service.use_hashkey = True
    kis = service.client(credential(environment))

    await kis.place_order(Side.BUY, "005930", 1)

    paths = [
        entry.path
        for entry in sandbox.requests(flavour=flavour(environment))
        if entry.method == "POST" and entry.path.startswith("/uapi/")
    ]
    assert paths == ["/uapi/hashkey", f"{TRADING}/order-cash"]


async def test_no_hashkey_by_default(kis: KisClient, sandbox: Sandbox) -> None:
    await kis.place_order(Side.BUY, "005930", 1)

    assert sandbox.requests("/uapi/hashkey") == []
    assert len(sandbox.requests(f"{TRADING}/order-cash")) == 1


async def test_an_order_spends_the_accounts_cash(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    sandbox.set_cash(ACCOUNT, 5_000_000, flavour=flavour(environment))
    sandbox.set_price("005930", 70_000)

    await kis.place_order(Side.BUY, "005930", 10)

    assert (await kis.balance()).summary.d2_cash == 5_000_000 - 700_000
