"""The master-file zips (KOSPI, KOSDAQ, each overseas exchange), built from the sandbox's own
listings."""

from __future__ import annotations

from typing import Literal

from aiohttp import web

from kisbot.sandbox.gateway import STATE
from kisbot.sandbox.masterfiles import MasterRecord, build_master_zip
from kisbot.sandbox.overseas.masterfiles import build_overseas_master_zip

FILES_PREFIX = "/_files"


async def kospi_master(request: web.Request) -> web.Response:
    """GET /_files/kospi_code.mst.zip"""
    return _zip(request, "kospi")


async def kosdaq_master(request: web.Request) -> web.Response:
    """GET /_files/kosdaq_code.mst.zip"""
    return _zip(request, "kosdaq")


def _zip(request: web.Request, market: Literal["kospi", "kosdaq"]) -> web.Response:
    stocks = request.app[STATE].market.stocks.values()
    records = [
        MasterRecord(s.listing.code, s.listing.name, s.listing.group, s.base)
        for s in stocks
        if s.listing.market.lower() == market
    ]
    return web.Response(body=build_master_zip(market, records), content_type="application/zip")


async def overseas_master(request: web.Request) -> web.Response:
    """GET /_files/{excd}mst.cod.zip (nasmst.cod.zip, hksmst.cod.zip, ...)"""
    try:
        body = build_overseas_master_zip(request.match_info["excd"].upper())
    except KeyError:
        raise web.HTTPNotFound() from None
    return web.Response(body=body, content_type="application/zip")


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{FILES_PREFIX}/kospi_code.mst.zip", kospi_master)
    app.router.add_get(f"{FILES_PREFIX}/kosdaq_code.mst.zip", kosdaq_master)
    app.router.add_get(f"{FILES_PREFIX}/{{excd:[a-z]{{3}}}}mst.cod.zip", overseas_master)
