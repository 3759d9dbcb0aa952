"""OAuth and helper endpoints: tokenP, revokeP, Approval (WebSocket key) and hashkey."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aiohttp import web

from kisbot.clock import KST
from kisbot.sandbox import messages
from kisbot.sandbox.auth import Token
from kisbot.sandbox.gateway import (
    authenticate,
    json_object,
    kis_response,
    plain_json,
    state_and_host,
)
from kisbot.sandbox.messages import TokenError
from kisbot.sandbox.state import SandboxState

REVOKE_OK = "접근토큰 폐기에 성공하였습니다"


async def issue_token(request: web.Request) -> web.Response:
    """POST /oauth2/tokenP: a token, the same one again within 6 h, or a 403 refusal."""
    state, host = state_and_host(request)
    body = await json_object(request)
    if body.get("grant_type") != "client_credentials":
        return _token_error(messages.TOKEN_BAD_GRANT)
    appkey, appsecret = str(body.get("appkey", "")), str(body.get("appsecret", ""))
    refusal = state.appkeys.check(appkey, appsecret)
    if refusal is not None:
        return _token_error(refusal)
    token = host.tokens.issue(appkey)
    if isinstance(token, TokenError):
        return _token_error(token)
    return plain_json(_token_body(state, token))


async def revoke_token(request: web.Request) -> web.Response:
    """POST /oauth2/revokeP: revoke a token of this app key."""
    state, host = state_and_host(request)
    body = await json_object(request)
    appkey = str(body.get("appkey", ""))
    refusal = state.appkeys.check(appkey, str(body.get("appsecret", "")))
    if refusal is not None:
        return _token_error(refusal)
    if not host.tokens.revoke(str(body.get("token", "")), appkey):
        return _token_error(messages.TOKEN_UNKNOWN)
    return plain_json({"code": "200", "message": REVOKE_OK})


async def approval_key(request: web.Request) -> web.Response:
    """POST /oauth2/Approval: a WebSocket approval key for this host (body uses `secretkey`),
    at most one per second per app key."""
    state, host = state_and_host(request)
    body = await json_object(request)
    appkey = str(body.get("appkey", ""))
    refusal = state.appkeys.check(appkey, str(body.get("secretkey", "")))
    if refusal is not None:
        return _token_error(refusal)
    key = state.approvals.issue(appkey, host.flavour)
    if isinstance(key, TokenError):
        return _token_error(key)
    return plain_json({"approval_key": key})


async def hashkey(request: web.Request) -> web.Response:
    """POST /uapi/hashkey: the body echoed with its HASH (app key and secret, no token)."""
    state, host = state_and_host(request)
    refusal = authenticate(state, host, request.headers, token_required=False)
    if refusal is not None:
        return kis_response(refusal)
    text = await request.text()
    try:
        body = json.loads(text or "{}")
    except ValueError:
        body = {}
    digest = hashlib.sha256(text.encode()).hexdigest()
    return plain_json({**(body if isinstance(body, dict) else {}), "HASH": digest})


def _token_body(state: SandboxState, token: Token) -> dict[str, Any]:
    remaining = int((token.expires_at - state.clock.now()).total_seconds())
    return {
        "access_token": token.value,
        "access_token_token_expired": token.expires_at.astimezone(KST).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        "token_type": "Bearer",
        "expires_in": max(remaining, 0),
    }


def _token_error(error: TokenError) -> web.Response:
    return plain_json(error.body(), status=error.status)
