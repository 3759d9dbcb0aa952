"""The way every KIS call goes: token, rate limit, send, and the retry rules (kis-api §4, §6).

Reads are retried with bounded exponential backoff on timeouts, connection errors, HTTP 5xx
without a KIS body and EGW00201. An order, cancel or modify is never resent, with one exception:
a token refusal (EGW00121/EGW00123) means KIS's gateway turned the request away, so it goes
again once with a fresh token. When an order's answer is lost after sending, the caller gets
KisOutcomeUnknown. Every attempt and every page waits for a slot of the app key's limiter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from kisbot.clock import Clock
from kisbot.kis.auth import TOKEN_REFUSED, TokenManager
from kisbot.kis.credentials import Credential, Environment
from kisbot.kis.endpoints import HASHKEY_PATH, Endpoint
from kisbot.kis.errors import (
    KisAuthError,
    KisNotSupportedInMock,
    KisOutcomeUnknown,
    KisRateLimited,
    KisRefusal,
    KisUnavailable,
)
from kisbot.kis.http import Hosts, KisAnswer, KisHttp, KisRequest, TransportFailure
from kisbot.kis.limiter import RateLimiter
from kisbot.kis.models import Priority
from kisbot.kis.parsing import raw_text, text
from kisbot.kis.tokens import AccessToken

logger = logging.getLogger(__name__)

TOO_MANY_CALLS = "EGW00201"
AUTH_CODES = frozenset({"EGW00102", "EGW00103", "EGW00105", "EGW02004"}) | TOKEN_REFUSED
_PAGE_KEYS = ("CTX_AREA_FK100", "CTX_AREA_NK100")


class KisGateway:
    """Sends KIS calls for any credential under the process-wide rules."""

    def __init__(
        self,
        http: KisHttp,
        hosts: Hosts,
        tokens: TokenManager,
        limiter_for: Callable[[Credential], RateLimiter],
        clock: Clock,
        *,
        use_hashkey: bool = False,
        max_retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self._http = http
        self._hosts = hosts
        self._tokens = tokens
        self._limiter_for = limiter_for
        self._clock = clock
        self.use_hashkey = use_hashkey
        self._max_retries = max_retries
        self._backoff = backoff

    async def call(
        self,
        credential: Credential,
        endpoint: Endpoint,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, str] | None = None,
        tr_cont: str = "",
        priority: Priority = Priority.INTERACTIVE,
    ) -> KisAnswer:
        """The successful answer of one call; a KisError otherwise."""
        tr_id = require_support(endpoint, credential.environment)
        extra = {"tr_id": tr_id, "tr_cont": tr_cont, "custtype": "P"}
        if endpoint.is_order:
            if self.use_hashkey and body is not None:
                extra["hashkey"] = await self._hashkey(credential, body, priority)
            return await self._send_order(credential, endpoint, body, extra, priority)
        return await self._send_read(credential, endpoint, params, extra, priority)

    async def pages(
        self,
        credential: Credential,
        endpoint: Endpoint,
        params: Mapping[str, str],
        *,
        max_pages: int = 10,
        priority: Priority = Priority.INTERACTIVE,
        page_keys: tuple[str, str] = _PAGE_KEYS,
    ) -> list[KisAnswer]:
        """Every page of a tr_cont-paged read, echoing the CTX keys verbatim; capped. Domestic
        APIs page with 100-character keys, overseas ones with 200 (`page_keys`)."""
        query = {**params, **dict.fromkeys(page_keys, "")}
        answers: list[KisAnswer] = []
        tr_cont = ""
        for _ in range(max_pages):
            answer = await self.call(
                credential, endpoint, params=query, tr_cont=tr_cont, priority=priority
            )
            answers.append(answer)
            if not answer.more:
                return answers
            body = answer.body or {}
            query.update({key: raw_text(body, key.lower()) for key in page_keys})
            tr_cont = "N"
        logger.warning("stopped paging %s after %d pages", endpoint.path, max_pages)
        return answers

    def _request(
        self,
        credential: Credential,
        endpoint: Endpoint,
        token: AccessToken,
        extra: Mapping[str, str],
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> KisRequest:
        headers = {
            "content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {token.value}",
            "appkey": credential.app_key,
            "appsecret": credential.app_secret,
            **extra,
        }
        return KisRequest(
            endpoint.method,
            self._hosts.url(credential.environment),
            endpoint.path,
            tr_id=extra["tr_id"],
            headers=headers,
            params=params,
            body=body,
        )

    async def _send_read(
        self,
        credential: Credential,
        endpoint: Endpoint,
        params: Mapping[str, str] | None,
        extra: Mapping[str, str],
        priority: Priority,
    ) -> KisAnswer:
        retries = 0
        token_replaced = False
        while True:
            token = await self._tokens.token(credential)
            await self._limiter_for(credential).acquire(priority)
            request = self._request(credential, endpoint, token, extra, params=params)
            try:
                answer = await self._http.send(request)
            except TransportFailure as failure:
                if retries >= self._max_retries:
                    raise _unavailable(f"KIS did not answer ({failure.kind})", request) from None
                retries += 1
                await self._wait_before_retry(request, retries, failure.kind)
                continue
            if answer.code in TOKEN_REFUSED and not token_replaced:
                token_replaced = True
                await self._tokens.replace(credential, token)
                continue
            if _worth_retrying(answer) and retries < self._max_retries:
                retries += 1
                await self._wait_before_retry(request, retries, answer.code or str(answer.status))
                continue
            return checked(answer, request)

    async def _send_order(
        self,
        credential: Credential,
        endpoint: Endpoint,
        body: Mapping[str, str] | None,
        extra: Mapping[str, str],
        priority: Priority,
    ) -> KisAnswer:
        token_replaced = False
        while True:
            token = await self._tokens.token(credential)
            await self._limiter_for(credential).acquire(priority)
            request = self._request(credential, endpoint, token, extra, body=body)
            try:
                answer = await self._http.send(request)
            except TransportFailure as failure:
                if not failure.sent:
                    raise _unavailable(
                        f"KIS could not be reached ({failure.kind}); nothing was sent", request
                    ) from None
                raise KisOutcomeUnknown(
                    f"sent, but no answer came back ({failure.kind}); check today's orders",
                    method=request.method,
                    path=request.path,
                    tr_id=request.tr_id,
                ) from None
            if answer.code in TOKEN_REFUSED and not token_replaced:
                token_replaced = True
                await self._tokens.replace(credential, token)
                continue
            if not answer.has_kis_body and not 400 <= answer.status < 500:
                raise KisOutcomeUnknown(
                    f"sent, but KIS answered HTTP {answer.status} without a result; "
                    "check today's orders",
                    method=request.method,
                    path=request.path,
                    tr_id=request.tr_id,
                )
            return checked(answer, request)

    async def _hashkey(
        self, credential: Credential, body: Mapping[str, str], priority: Priority
    ) -> str:
        await self._limiter_for(credential).acquire(priority)
        request = KisRequest(
            "POST",
            self._hosts.url(credential.environment),
            HASHKEY_PATH,
            headers={
                "content-type": "application/json; charset=utf-8",
                "appkey": credential.app_key,
                "appsecret": credential.app_secret,
            },
            body=body,
        )
        try:
            answer = await self._http.send(request)
        except TransportFailure as failure:
            raise _unavailable(f"no hashkey ({failure.kind}); nothing was sent", request) from None
        value = text(answer.body or {}, "hash")
        if not value:
            raise _unavailable(f"no hashkey (HTTP {answer.status}); nothing was sent", request)
        return value

    async def _wait_before_retry(self, request: KisRequest, retries: int, reason: str) -> None:
        delay = self._backoff * 2 ** (retries - 1)
        logger.warning(
            "KIS %s %s [%s]: %s, retry %d in %.1f s",
            request.method,
            request.path,
            request.tr_id,
            reason,
            retries,
            delay,
        )
        await self._clock.sleep(delay)


def require_support(endpoint: Endpoint, environment: Environment) -> str:
    """The endpoint's TR ID here; KisNotSupportedInMock (before any request) when it has none."""
    tr_id = endpoint.tr_id(environment)
    if tr_id is None:
        raise KisNotSupportedInMock(
            "not available for mock (모의투자) accounts",
            method=endpoint.method,
            path=endpoint.path,
            tr_id=endpoint.real_tr_id,
        )
    return tr_id


def _worth_retrying(answer: KisAnswer) -> bool:
    if answer.code == TOO_MANY_CALLS:
        return True
    return answer.status >= 500 and not answer.has_kis_body


def _unavailable(message: str, request: KisRequest) -> KisUnavailable:
    return KisUnavailable(message, method=request.method, path=request.path, tr_id=request.tr_id)


def checked(answer: KisAnswer, request: KisRequest) -> KisAnswer:
    """The answer when it is a KIS success; otherwise the matching KisError is raised."""
    if answer.ok:
        return answer
    if not answer.has_kis_body:
        raise _unavailable(f"KIS answered HTTP {answer.status} without a result", request)
    fields = {
        "rt_cd": text(answer.body or {}, "rt_cd"),
        "http_status": answer.status,
        "method": request.method,
        "path": request.path,
        "tr_id": request.tr_id,
    }
    code = answer.code
    if code in (TOO_MANY_CALLS, "EGW00133"):
        raise KisRateLimited(code, answer.message, **fields)
    if code in AUTH_CODES or "error_code" in (answer.body or {}):
        raise KisAuthError(code, answer.message, **fields)
    raise KisRefusal(code, answer.message, **fields)
