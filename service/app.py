"""The aiohttp application: ``create_app(settings)``.

>>> app = create_app(Settings(store="sqlite:///index.db"))
>>> sorted(r.canonical for r in app.router.resources())[:3]
['/', '/healthz', '/metrics']
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from detector import Article, kernels
from detector.errors import RediteError
from detector.prepare import prepare
from service import api
from service.api import METRICS, RETRY_AFTER, SETTINGS, STORE
from service.metrics import Metrics
from service.openapi import openapi
from service.page import PAGE
from service.problems import Problem, problem
from service.readers import extract_main_text
from service.settings import Settings
from service.stores import Store, StoreUnavailable, durability_warning, open_store

log = logging.getLogger("redite.service")
PURGE_EVERY = 60.0
"""Seconds between two retention sweeps."""

Handler = Callable[[web.Request], Awaitable[StreamResponse]]


class InFlight:
    """How many requests are being answered (graceful shutdown waits for zero)."""

    def __init__(self) -> None:
        self.count = 0


IN_FLIGHT = web.AppKey("in_flight", InFlight)


def create_app(settings: Settings) -> web.Application:
    """The service over the store ``settings.store`` (opened on startup, closed on cleanup)."""
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[_problems, _measure],
        # GET/DELETE /v1/articles/{id}: a percent-encoded character takes up to 12 bytes.
        handler_args={"max_line_size": url_line_bytes(settings)},
    )
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[IN_FLIGHT] = InFlight()
    app.on_startup.append(_warm_up)
    app.cleanup_ctx.append(_store)
    app.add_routes(api.routes)
    app.router.add_get("/openapi.json", _openapi)
    app.router.add_get("/", _page)
    return app


def url_line_bytes(settings: Settings) -> int:
    """The longest request line the server reads: room for any id within the limit."""
    return 8190 + 12 * settings.max_id_chars


async def _store(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = open_store(
        settings.store,
        settings.detector,
        namespace=settings.namespace,
        retention=settings.retention,
    )
    app[STORE] = store
    purging = None
    if settings.retention is not None:
        purging = asyncio.create_task(_purge(app))
    log.info("index store: %s", store.url)
    checking = asyncio.create_task(_check_durability(store))
    yield
    for task in (purging, checking):
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    await store.close()


async def _warm_up(app: web.Application) -> None:
    """Before the first request: the engine's compiled loops and lazily built tables and
    the HTML extractor's import, which would otherwise add 60 to 120 ms to each worker's
    first request, and leave its matching on the slower numpy versions (docs/service.md)."""
    kernels.load()
    prepare(Article("warm-up", _WARM_UP_TEXT), app[SETTINGS].detector)
    extract_main_text(f"<html><body><p>{_WARM_UP_TEXT}</p></body></html>")


_WARM_UP_TEXT = "Une phrase assez longue pour former une unité entière, et une autre encore."


async def _check_durability(store: Store) -> None:
    """Warn once at startup when the store's server could lose acknowledged writes."""
    try:
        warning = await durability_warning(store)
    except StoreUnavailable as error:
        log.warning("could not ask the store about durability: %s", error)
        return
    if warning is not None:
        log.warning("%s", warning)


async def _purge(app: web.Application) -> None:
    while True:
        try:
            removed = await app[STORE].purge_expired()
            app[METRICS].expired.inc(removed)
        except StoreUnavailable as error:
            log.warning("retention sweep skipped: %s", error)
        await asyncio.sleep(PURGE_EVERY)


@web.middleware
async def _problems(request: web.Request, handler: Handler) -> StreamResponse:
    """Every error as problem+json; never a stack trace to the client."""
    try:
        return await handler(request)
    except Problem as error:
        return error.response()
    except StoreUnavailable as error:
        request.app[METRICS].store_errors.inc()
        log.warning("store unavailable: %s", error)
        return problem(
            503,
            "the index store is unreachable; retry later",
            headers={"Retry-After": RETRY_AFTER},
        )
    except web.HTTPException as error:
        if error.status < 400:
            raise
        headers = {k: v for k, v in error.headers.items() if k.lower() == "allow"}
        return problem(error.status, error.reason, headers=headers or None)
    except RediteError as error:
        return problem(422, str(error))
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem(500, "an unexpected error; it has been logged")


@web.middleware
async def _measure(request: web.Request, handler: Handler) -> StreamResponse:
    metrics = request.app[METRICS]
    route = request.match_info.route.resource
    name = route.canonical if route is not None else "unmatched"
    started = time.perf_counter()
    metrics.in_flight.inc()
    request.app[IN_FLIGHT].count += 1
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except Problem as error:
        status = error.status
        raise
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        metrics.in_flight.dec()
        request.app[IN_FLIGHT].count -= 1
        metrics.requests.labels(request.method, name, str(status)).inc()
        metrics.latency.labels(request.method, name).observe(time.perf_counter() - started)


async def _openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi(request.app[SETTINGS]))


async def _page(request: web.Request) -> web.Response:
    del request
    return web.Response(text=PAGE, content_type="text/html")


class JsonAccessLogger(AbstractAccessLogger):
    """One JSON object per request on the ``redite.access`` logger."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "remote": request.remote,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status,
                    "bytes": response.body_length,
                    "ms": round(time * 1000, 2),
                    "agent": request.headers.get("User-Agent"),
                },
                ensure_ascii=False,
            )
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
