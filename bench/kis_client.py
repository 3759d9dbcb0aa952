"""Benchmark: quotes through kisbot.kis, python-kis, mojito2 and a bare httpx loop (the floor).

    ./dev bench kis_client [--quotes 500] [--rounds 5] [--burst 200]

The sandbox runs in child processes (`python -m kisbot.cli sandbox`, pinned to CPU 1 while the
clients run on CPU 0), so the CPU time measured here is the client's alone: one sandbox with
every limit lifted for the sequential and concurrent runs, one at 18 calls/s per app key for the
burst. Each client has its own app key. Results go to stdout as tables; bench/README.md holds
the numbers of a recorded run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kisbot.kis import Account, Credential, Environment, KisService

QUOTE_PATH = "/uapi/domestic-stock/v1/quotations/inquire-price"
QUOTE_TR = "FHKST01010100"
CODE = "005930"
ACCOUNT = "50012345-01"
BURST_RATE = 18
CLIENT_CPU, SANDBOX_CPU = 0, 1


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall and process CPU seconds spent on `calls` calls."""

    calls: int
    wall: float
    cpu: float

    @property
    def wall_ms(self) -> float:
        return self.wall * 1000 / self.calls

    @property
    def cpu_ms(self) -> float:
        return self.cpu * 1000 / self.calls


@dataclass(frozen=True, slots=True)
class Burst:
    """A burst's total time, how many quotes came back and how many EGW00201 the sandbox sent."""

    name: str
    seconds: float
    quotes: int
    too_many_calls: int


class SandboxProcess:
    """`kisbot sandbox` in a child process on free ports, with its control API."""

    def __init__(self, real_rate: float) -> None:
        self.real_rate = real_rate
        self.real_url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._stack = ExitStack()

    def __enter__(self) -> SandboxProcess:
        log = tempfile.NamedTemporaryFile(prefix="kis-sandbox-", suffix=".log")
        self._output = self._stack.enter_context(log)
        command = [sys.executable, "-m", "kisbot.cli", "sandbox", "--port", "0"]
        command += ["--real-rate", str(self.real_rate), "--mock-rate", "0"]
        command += ["--token-interval", "0", "--walk-interval", "0"]
        self._process = subprocess.Popen(command, stdout=self._output, stderr=subprocess.STDOUT)
        _pin(self._process.pid, SANDBOX_CPU)
        deadline = time.monotonic() + 20
        while not self.real_url:
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError(f"the sandbox did not start: {self._log()}")
            time.sleep(0.05)
            self.real_url = _value_after("KISBOT_KIS_REAL_URL=", self._log())
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._stack.close()

    def _log(self) -> str:
        return Path(self._output.name).read_text(errors="replace")

    def clear_log(self) -> None:
        httpx.delete(f"{self.real_url}/_sandbox/requests").raise_for_status()

    def quote_statuses(self) -> list[int]:
        """HTTP status of every quote call since the log was cleared (500 = EGW00201 here)."""
        answer = httpx.get(f"{self.real_url}/_sandbox/requests", params={"path": QUOTE_PATH})
        return [entry["status"] for entry in answer.raise_for_status().json()["requests"]]


def _pin(pid: int, cpu: int) -> None:
    """Keep client and sandbox on separate CPUs when there are two, so they do not take turns."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(pid, {cpu})


def _value_after(prefix: str, text: str) -> str:
    for line in text.splitlines():
        if line.startswith(prefix):
            return line.removeprefix(prefix).strip()
    return ""


def credential(name: str) -> Credential:
    return Credential(f"{name}KEY", f"{name}SECRET", Account.parse(ACCOUNT), Environment.REAL)


def timed(run: Callable[[], Any], calls: int) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return Timing(calls, time.perf_counter() - wall, time.process_time() - cpu)


# -- the clients, each as "make n quote calls" ------------------------------------------------


async def _issue_token(http: httpx.AsyncClient, url: str, name: str) -> dict[str, str]:
    body = {
        "grant_type": "client_credentials",
        "appkey": f"{name}KEY",
        "appsecret": f"{name}SECRET",
    }
    token = (await http.post(f"{url}/oauth2/tokenP", json=body)).json()["access_token"]
    return {
        "content-type": "application/json; charset=utf-8",
        "authorization": f"Bearer {token}",
        "appkey": f"{name}KEY",
        "appsecret": f"{name}SECRET",
        "tr_id": QUOTE_TR,
        "custtype": "P",
    }


async def floor_quotes(url: str, calls: int, width: int = 1) -> Timing:
    """The floor: a keep-alive httpx.AsyncClient sending the same GET and decoding the JSON."""
    params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": CODE}
    async with httpx.AsyncClient(base_url=url) as http:
        headers = await _issue_token(http, url, "FLOOR")

        async def one() -> None:
            answer = await http.get(QUOTE_PATH, params=params, headers=headers)
            assert answer.json()["rt_cd"] == "0"

        await _spread(one, 20, width)  # warm-up: connections, caches
        return await _timed_async(lambda: _spread(one, calls, width), calls)


async def aiohttp_quotes(url: str, calls: int, width: int = 1) -> Timing:
    """For reference: the same loop on aiohttp's client (not a floor kisbot.kis could reach as
    it stands on httpx)."""
    import aiohttp

    params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": CODE}
    async with httpx.AsyncClient() as http:
        headers = await _issue_token(http, url, "AIOHTTP")
    async with aiohttp.ClientSession() as session:

        async def one() -> None:
            async with session.get(url + QUOTE_PATH, params=params, headers=headers) as answer:
                assert (await answer.json())["rt_cd"] == "0"

        await _spread(one, 20, width)
        return await _timed_async(lambda: _spread(one, calls, width), calls)


async def kisbot_quotes(url: str, calls: int, width: int = 1) -> Timing:
    async with KisService(real_url=url, mock_url=url, real_rate=0, mock_rate=0) as service:
        kis = service.client(credential("KISBOT"))

        async def one() -> None:
            await kis.quote(CODE)

        await _spread(one, 20, width)
        return await _timed_async(lambda: _spread(one, calls, width), calls)


async def _spread(one: Callable[[], Awaitable[None]], calls: int, width: int) -> None:
    """`calls` calls with `width` of them in flight at any time."""
    shares = [calls // width + (1 if n < calls % width else 0) for n in range(width)]

    async def worker(count: int) -> None:
        for _ in range(count):
            await one()

    await asyncio.gather(*(worker(count) for count in shares))


async def _timed_async(run: Callable[[], Awaitable[None]], calls: int) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    await run()
    return Timing(calls, time.perf_counter() - wall, time.process_time() - cpu)


def pykis_session(url: str, *, lift_limit: bool) -> Any:
    """A PyKis pointed at the sandbox (its domain constants are patched here, nowhere else)."""
    import pykis.kis
    from pykis.utils.rate_limit import RateLimiter

    pykis.kis.REAL_DOMAIN = url
    logging.getLogger("pykis").setLevel(logging.ERROR)  # it warns on every EGW00201
    session = pykis.PyKis(
        id="benchuser",
        account=ACCOUNT,
        appkey="PYKIS".ljust(36, "K"),  # python-kis checks KIS's key lengths
        secretkey="PYKIS".ljust(180, "S"),
        use_websocket=False,
        keep_token=False,
    )
    if lift_limit:
        session._rate_limiters["real"] = RateLimiter(1_000_000, 1)
    return session


def pykis_quotes(url: str, calls: int) -> Timing:
    from pykis.api.stock.quote import domestic_quote

    session = pykis_session(url, lift_limit=True)
    for _ in range(20):
        domestic_quote(session, CODE)
    return timed(lambda: [domestic_quote(session, CODE) for _ in range(calls)], calls)


@contextmanager
def mojito_session(url: str) -> Iterator[Any]:
    """A mojito KoreaInvestment on the sandbox, in a temp dir (it writes token.dat to the cwd)."""
    import mojito

    class SandboxedKoreaInvestment(mojito.KoreaInvestment):  # type: ignore[misc]
        def set_base_url(self, mock: bool = True) -> None:
            self.base_url = url

    home = os.getcwd()
    with tempfile.TemporaryDirectory() as directory:
        os.chdir(directory)
        try:
            yield SandboxedKoreaInvestment(
                api_key="MOJITOKEY", api_secret="MOJITOSECRET", acc_no=ACCOUNT, mock=False
            )
        finally:
            os.chdir(home)


def mojito_quotes(url: str, calls: int) -> Timing:
    with mojito_session(url) as broker:
        for _ in range(20):
            broker.fetch_price(CODE)
        return timed(lambda: [broker.fetch_price(CODE) for _ in range(calls)], calls)


# -- the three measurements -----------------------------------------------------------------


def sequential(url: str, calls: int, rounds: int) -> dict[str, Timing]:
    """Per-call timings, clients interleaved round by round; each client's fastest round is
    kept (other load on the machine only ever adds time)."""
    runs: dict[str, Callable[[], Timing]] = {
        "bare httpx (floor)": lambda: asyncio.run(floor_quotes(url, calls)),
        "kisbot.kis": lambda: asyncio.run(kisbot_quotes(url, calls)),
        "python-kis 2.1.6": lambda: pykis_quotes(url, calls),
        "mojito2 0.1.6": lambda: mojito_quotes(url, calls),
        "aiohttp (reference)": lambda: asyncio.run(aiohttp_quotes(url, calls)),
    }
    return _fastest_of_rounds(runs, rounds)


def concurrent(url: str, calls: int, rounds: int, width: int = 50) -> dict[str, Timing]:
    runs = {
        "bare httpx (floor)": lambda: asyncio.run(floor_quotes(url, calls, width)),
        "kisbot.kis": lambda: asyncio.run(kisbot_quotes(url, calls, width)),
        "aiohttp (reference)": lambda: asyncio.run(aiohttp_quotes(url, calls, width)),
    }
    return _fastest_of_rounds(runs, rounds)


def _fastest_of_rounds(runs: dict[str, Callable[[], Timing]], rounds: int) -> dict[str, Timing]:
    """Each client's fastest round; the order rotates each round so none always goes first."""
    names = list(runs)
    seen: dict[str, list[Timing]] = {name: [] for name in names}
    for round_no in range(rounds):
        for name in names[round_no % len(names) :] + names[: round_no % len(names)]:
            seen[name].append(runs[name]())
    return {name: min(seen[name], key=lambda timing: timing.wall) for name in names}


def burst_kisbot(sandbox: SandboxProcess, calls: int) -> Burst:
    """All calls at once through one KisService limited to 18/s."""

    async def run() -> tuple[float, int]:
        url = sandbox.real_url
        async with KisService(real_url=url, mock_url=url, real_rate=BURST_RATE) as service:
            kis = service.client(credential("KISBOTBURST"))
            await kis.ensure_token()
            sandbox.clear_log()
            started = time.perf_counter()
            quotes = await asyncio.gather(*(kis.quote(CODE) for _ in range(calls)))
            return time.perf_counter() - started, len(quotes)

    seconds, quotes = asyncio.run(run())
    return Burst("kisbot.kis", seconds, quotes, sandbox.quote_statuses().count(500))


def burst_pykis(sandbox: SandboxProcess, calls: int) -> Burst:
    """A loop over python-kis with its own pacing (19 per fixed second, 0.1 s after EGW00201)."""
    from pykis.api.stock.quote import domestic_quote

    session = pykis_session(sandbox.real_url, lift_limit=False)
    domestic_quote(session, CODE)  # issues the token
    time.sleep(1.1)  # let the warm-up call leave the sandbox's one-second window
    sandbox.clear_log()
    started = time.perf_counter()
    quotes = sum(1 for _ in range(calls) if domestic_quote(session, CODE).price)
    seconds = time.perf_counter() - started
    return Burst("python-kis 2.1.6", seconds, quotes, sandbox.quote_statuses().count(500))


def burst_mojito(sandbox: SandboxProcess, calls: int) -> Burst:
    """A loop over mojito2, which has no pacing and no retry: refused calls are lost."""
    with mojito_session(sandbox.real_url) as broker:
        sandbox.clear_log()
        started = time.perf_counter()
        answers = [broker.fetch_price(CODE) for _ in range(calls)]
        seconds = time.perf_counter() - started
    quotes = sum(1 for answer in answers if answer.get("rt_cd") == "0")
    return Burst("mojito2 0.1.6", seconds, quotes, sandbox.quote_statuses().count(500))


# -- output ---------------------------------------------------------------------------------


def print_sequential(results: dict[str, Timing]) -> None:
    floor = results["bare httpx (floor)"]
    print(f"\nSequential quotes ({floor.calls} per client, fastest of rounds)")
    print(f"{'client':<22}{'wall ms/call':>14}{'CPU ms/call':>14}{'wall vs floor':>15}")
    for name, timing in results.items():
        ratio = timing.wall_ms / floor.wall_ms
        print(f"{name:<22}{timing.wall_ms:>14.3f}{timing.cpu_ms:>14.3f}{ratio:>14.2f}x")


def print_concurrent(results: dict[str, Timing]) -> None:
    floor = results["bare httpx (floor)"]
    print(f"\n50 concurrent quotes ({floor.calls} calls, 50 in flight)")
    print(f"{'client':<22}{'quotes/s':>12}{'CPU ms/call':>14}{'vs floor':>11}")
    for name, timing in results.items():
        rate = timing.calls / timing.wall
        share = rate / (floor.calls / floor.wall)
        print(f"{name:<22}{rate:>12.0f}{timing.cpu_ms:>14.3f}{share:>10.0%}")


def print_bursts(bursts: list[Burst], calls: int) -> None:
    floor = calls / BURST_RATE
    print(f"\nBurst of {calls} quotes on one real key, sandbox at {BURST_RATE}/s", end="")
    print(f" (floor {floor:.1f} s)")
    print(f"{'client':<22}{'total s':>9}{'vs floor':>10}{'quotes':>8}{'EGW00201':>10}")
    for burst in bursts:
        print(
            f"{burst.name:<22}{burst.seconds:>9.2f}{burst.seconds / floor - 1:>+10.1%}"
            f"{burst.quotes:>8}{burst.too_many_calls:>10}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=500, help="sequential calls per client")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (fastest kept)")
    parser.add_argument("--burst", type=int, default=200, help="quotes in the 18/s burst")
    parser.add_argument(
        "--sniffio-stub",
        action="store_true",
        help="measure as if sniffio were installed (httpcore retries a failed import of it on "
        "every connection-pool lock otherwise)",
    )
    args = parser.parse_args()
    if args.sniffio_stub:
        _stub_sniffio()
    _pin(0, CLIENT_CPU)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {_load()}")
    with SandboxProcess(real_rate=0) as sandbox:
        print_sequential(sequential(sandbox.real_url, args.quotes, args.rounds))
        print_concurrent(concurrent(sandbox.real_url, args.quotes * 2, args.rounds))
    with SandboxProcess(real_rate=BURST_RATE) as sandbox:
        bursts = [burst_kisbot(sandbox, args.burst)]
        time.sleep(1.1)
        bursts.append(burst_pykis(sandbox, args.burst))
        time.sleep(1.1)
        bursts.append(burst_mojito(sandbox, args.burst))
    print_bursts(bursts, args.burst)
    print(f"\nload average at the end: {_load()}")


def _stub_sniffio() -> None:
    """What `import sniffio` gives under asyncio, without installing it."""
    stub = types.ModuleType("sniffio")
    stub.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
    sys.modules.setdefault("sniffio", stub)
    print("sniffio: stubbed (as if installed)")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
