"""The HTTP endpoints of DESIGN.md, over a store (see ``service.app`` for the app)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from aiohttp import web

from detector.config import DetectorConfig
from detector.errors import RediteError
from detector.matcher import index_keys
from detector.model import Article
from detector.prepare import Prepared, prepare, prepare_batch
from service.matching import Explained, Outcome, explain_match, match, upsert
from service.metrics import Metrics
from service.problems import Problem, problem_body
from service.readers import (
    FieldError,
    InputError,
    Location,
    article_from_object,
    reject_constant,
)
from service.settings import Settings
from service.stores import Store, StoreUnavailable, UpsertResult

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
METRICS = web.AppKey("metrics", Metrics)

JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/ndjson")
RETRY_AFTER = "5"

routes = web.RouteTableDef()
log = logging.getLogger("redite.service")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _check_token(request: web.Request) -> None:
    token = request.app[SETTINGS].token
    if token is None:
        return
    given = request.headers.get("Authorization", "")
    scheme, _, credentials = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        credentials.strip().encode(), token.encode()
    ):
        raise Problem(
            401,
            "this endpoint needs the header 'Authorization: Bearer <token>' "
            "with the service's token",
            headers={"WWW-Authenticate": 'Bearer realm="redite"'},
        )


async def _read_json(request: web.Request) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    if request.content_type not in JSON_TYPES:
        raise Problem(
            415,
            f"send the article as JSON with 'Content-Type: application/json', "
            f"not {request.content_type!r}",
        )
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        raise _too_large(request.content_length, settings)
    try:
        async with asyncio.timeout(settings.read_timeout):
            body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise _too_large(None, settings) from None
    except TimeoutError:
        raise Problem(
            408, f"the request body did not arrive within {settings.read_timeout:g} s"
        ) from None
    return _parse_object(body, "request body")


def _too_large(size: int | None, settings: Settings) -> Problem:
    said = f" ({size:,} bytes)" if size is not None else ""
    return Problem(
        413,
        f"the request body{said} is over the limit of {settings.max_body_bytes:,} bytes; "
        "split the text or raise REDITE_MAX_BODY_BYTES",
    )


def _parse_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(body, parse_constant=reject_constant)
    except UnicodeDecodeError as error:
        raise Problem(400, f"{what} is not UTF-8: byte {error.start}") from None
    except json.JSONDecodeError as error:
        raise Problem(
            400,
            f"{what} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
        ) from None
    except (ValueError, RecursionError) as error:
        raise Problem(400, f"{what} is not valid JSON: {str(error)[:100]}") from None
    if not isinstance(value, dict):
        raise Problem(422, f'{what} must be a JSON object like {{"id": ..., "text": ...}}')
    return value


def article_from_body(
    value: dict[str, Any], settings: Settings, where: Location, default_id: str | None = None
) -> Article:
    """Validate a request's article against the limits, then build it.

    Limits are checked before any work: ids over ``max_id_chars`` and more than
    ``max_paragraphs`` lines are 422, texts over ``max_text_chars`` 413.
    """
    if default_id is not None and value.get("id") is None:
        value = {**value, "id": default_id}
    article_id = value.get("id")
    if isinstance(article_id, str) and len(article_id) > settings.max_id_chars:
        raise Problem(
            422,
            f"{where}: field 'id' is {len(article_id):,} characters long; "
            f"the limit is {settings.max_id_chars:,}",
            field="id",
        )
    for name in ("text", "html"):
        content = value.get(name)
        if isinstance(content, str) and len(content) > settings.max_text_chars:
            raise Problem(
                413,
                f"{where}: field '{name}' is {len(content):,} characters long; "
                f"the limit is {settings.max_text_chars:,}",
                field=name,
            )
        if isinstance(content, str) and content.count("\n") >= settings.max_paragraphs:
            lines = content.count("\n") + 1
            if sum(1 for line in content.splitlines() if line.strip()) > settings.max_paragraphs:
                raise Problem(
                    422,
                    f"{where}: field '{name}' has more than {settings.max_paragraphs:,} "
                    f"non-blank lines ({lines:,} lines); split the article",
                    field=name,
                )
    try:
        return article_from_object(value, where)
    except FieldError as error:
        raise Problem(422, str(error), field=error.field) from None
    except InputError as error:
        raise Problem(422, str(error)) from None


def _record(request: web.Request, outcome: Outcome) -> None:
    metrics = request.app[METRICS]
    metrics.articles_matched.inc()
    metrics.hot_buckets.inc(outcome.hot_buckets)
    for found in outcome.report.matches:
        metrics.matches.labels(found.kind).inc()
    if outcome.upsert is not None:
        _record_upsert(metrics, outcome.upsert)


def _record_upsert(metrics: Metrics, result: UpsertResult) -> None:
    metrics.capped_postings.inc(result.capped)
    if result.stored:
        metrics.articles_indexed.inc()


def _report(outcome: Outcome) -> dict[str, Any]:
    body = outcome.report.to_json()
    if outcome.upsert is not None:
        body["indexed"] = outcome.upsert.stored
        body["created"] = outcome.upsert.created
    return body


@routes.post("/v1/articles")
async def post_article(request: web.Request) -> web.Response:
    """Index an article (upsert by id) and return its matches against what was there."""
    _check_token(request)
    settings = request.app[SETTINGS]
    article = article_from_body(await _read_json(request), settings, Location("request body"))
    outcome = await upsert(request.app[STORE], article, settings.detector)
    _record(request, outcome)
    status = 201 if outcome.upsert is not None and outcome.upsert.created else 200
    return web.json_response(_report(outcome), status=status, dumps=_dumps)


@routes.post("/v1/match")
async def post_match(request: web.Request) -> web.Response:
    """Match an article against the index without indexing it (``id`` optional).

    With ``?explain=ID`` the report also says why the indexed article ``ID`` is among
    the matches or not (see :func:`_explained`).
    """
    settings = request.app[SETTINGS]
    other_id = request.query.get("explain")
    if other_id is not None and not 0 < len(other_id) <= settings.max_id_chars:
        raise Problem(
            422,
            f"query parameter 'explain' must be an article id of 1 to "
            f"{settings.max_id_chars:,} characters",
            field="explain",
        )
    value = await _read_json(request)
    article = article_from_body(value, settings, Location("request body"), default_id="query")
    store = request.app[STORE]
    if other_id is None:
        outcome = await match(store, article, settings.detector)
        _record(request, outcome)
        return web.json_response(_report(outcome), dumps=_dumps)
    other = await store.get(other_id)
    if other is None:
        raise Problem(404, f"no article with id {other_id[:200]!r} to explain", field="explain")
    found = await explain_match(store, article, other, settings.detector)
    _record(request, found.outcome)
    body = _report(found.outcome)
    body["explain"] = _explained(found, settings.detector)
    return web.json_response(body, dumps=_dumps)


def _explained(found: Explained, config: DetectorConfig) -> dict[str, Any]:
    """The ``explain`` object: whether the match reports the article, its rank among
    the candidates verified, and the engine's steps on the pair alone."""
    return {
        "id": found.other.article.id,
        "reported": found.reported,
        "candidate_rank": found.rank,
        "candidates": found.outcome.candidates,
        "max_candidates": config.max_candidates,
        "units": int(found.query.units.shape[0]),
        "common_units": found.outcome.common,
        "pair": found.pair.to_json(),
    }


BULK_WINDOW = 32
"""Index-only bulk writes in flight at once; results still go out in input order."""


@routes.post("/v1/articles:bulk")
async def post_bulk(request: web.Request) -> web.StreamResponse:
    """Index NDJSON articles, one a line; stream one result line per input line.

    Each result carries the input ``line`` and an HTTP-like ``status``: 201 or 200 with
    the report (the article is stored), 4xx with a ``problem`` (the line is skipped,
    the others go on), or 503 with a ``problem`` when the store is unreachable, after
    which the stream ends: resend from that line.

    With ``?match=false`` the articles are indexed without being matched (a backfill):
    each result says only whether the article is stored, and up to
    :data:`BULK_WINDOW` writes run at once (writes of one id one after another, in
    input order).
    """
    _check_token(request)
    settings = request.app[SETTINGS]
    matching = _match_parameter(request)
    if request.content_type not in NDJSON_TYPES:
        raise Problem(
            415,
            "send one JSON article a line with 'Content-Type: application/x-ndjson', "
            f"not {request.content_type!r}",
        )
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    await response.prepare(request)
    results = _matched_lines(request, settings) if matching else _indexed_lines(request, settings)
    async with contextlib.aclosing(results):
        async for result in results:
            await response.write((_dumps(result) + "\n").encode())
            if result["status"] == 503:
                break
    await response.write_eof()
    return response


def _match_parameter(request: web.Request) -> bool:
    value = request.query.get("match", "true")
    if value not in ("true", "false"):
        raise Problem(
            422,
            f"query parameter 'match' must be true or false, not {value[:100]!r}",
            field="match",
        )
    return value == "true"


async def _matched_lines(
    request: web.Request, settings: Settings
) -> AsyncGenerator[dict[str, Any]]:
    """Each line matched against what was indexed before it, then indexed."""
    async for batch in _line_batches(request, settings):
        for number, line in batch:
            try:
                article = _bulk_article(settings, number, line)
                if article is None:
                    continue
                outcome = await upsert(request.app[STORE], article, settings.detector)
            except Exception as error:  # one bad line must not cut the stream of the others
                yield _line_failed(request, number, error)
                continue
            _record(request, outcome)
            created = outcome.upsert is not None and outcome.upsert.created
            yield {"line": number, "status": 201 if created else 200, **_report(outcome)}


async def _indexed_lines(
    request: web.Request, settings: Settings
) -> AsyncGenerator[dict[str, Any]]:
    """Each line indexed without matching, up to :data:`BULK_WINDOW` at once; the lines
    that arrived together are prepared in one vectorised call."""
    store, config = request.app[STORE], settings.detector
    pending: deque[tuple[int, str, asyncio.Task[UpsertResult] | dict[str, Any]]] = deque()
    writing: dict[str, asyncio.Task[UpsertResult]] = {}  # the last write of each id

    async def oldest() -> dict[str, Any]:
        number, article_id, entry = pending.popleft()
        if writing.get(article_id) is entry:
            del writing[article_id]
        return await _indexed_result(request, number, article_id, entry)

    try:
        async for batch in _line_batches(request, settings):
            slots: list[tuple[int, Article | dict[str, Any]]] = []
            for number, line in batch:
                try:
                    article = _bulk_article(settings, number, line)
                except Exception as error:  # one bad line must not cut the stream
                    slots.append((number, _line_failed(request, number, error)))
                    continue
                if article is not None:
                    slots.append((number, article))
            ready = iter(
                _prepared(request, config, [(n, a) for n, a in slots if isinstance(a, Article)])
            )
            for number, slot in slots:
                prepared = slot if isinstance(slot, dict) else next(ready)[1]
                if isinstance(prepared, dict):
                    pending.append((number, "", prepared))
                    continue
                earlier = writing.get(prepared.article.id)
                task = asyncio.create_task(_index_after(store, prepared, earlier))
                writing[prepared.article.id] = task
                pending.append((number, prepared.article.id, task))
                while len(pending) > BULK_WINDOW:
                    yield await oldest()
            while pending and _settled(pending[0][2]):
                yield await oldest()
        while pending:
            yield await oldest()
    finally:  # the stream was cut (a 503, a client gone): let the writes in flight end
        await asyncio.gather(
            *(task for _, _, task in pending if isinstance(task, asyncio.Task)),
            return_exceptions=True,
        )


def _prepared(
    request: web.Request, config: DetectorConfig, articles: list[tuple[int, Article]]
) -> list[tuple[int, Prepared | dict[str, Any]]]:
    """The articles prepared in one call; one by one if that fails, so that only the
    line at fault gets an error."""
    try:
        batch = prepare_batch([a for _, a in articles], config)
        return [(number, p) for (number, _), p in zip(articles, batch, strict=True)]
    except Exception:
        log.exception("preparing %d bulk lines at once failed; one by one", len(articles))
    prepared: list[tuple[int, Prepared | dict[str, Any]]] = []
    for number, article in articles:
        try:
            prepared.append((number, prepare(article, config)))
        except Exception as error:
            prepared.append((number, _line_failed(request, number, error)))
    return prepared


async def _index_after(
    store: Store, prepared: Prepared, earlier: asyncio.Task[UpsertResult] | None
) -> UpsertResult:
    if earlier is not None:  # an earlier line with this id: its write goes first
        await asyncio.wait([earlier])
    keys = index_keys(prepared)
    return await store.upsert(prepared.article, keys, (prepared.paragraphs, prepared.units))


def _settled(entry: asyncio.Task[UpsertResult] | dict[str, Any]) -> bool:
    return isinstance(entry, dict) or entry.done()


async def _indexed_result(
    request: web.Request,
    number: int,
    article_id: str,
    entry: asyncio.Task[UpsertResult] | dict[str, Any],
) -> dict[str, Any]:
    if isinstance(entry, dict):
        return entry
    try:
        result = await entry
    except Exception as error:
        return _line_failed(request, number, error)
    _record_upsert(request.app[METRICS], result)
    return {
        "line": number,
        "status": 201 if result.created else 200,
        "id": article_id,
        "indexed": result.stored,
        "created": result.created,
    }


def _bulk_article(settings: Settings, number: int, line: bytes | Problem) -> Article | None:
    """The line's article (None for a blank line); a Problem names what is wrong."""
    if isinstance(line, Problem):
        raise line
    if not line.strip():
        return None
    where = Location("line", number)
    return article_from_body(_parse_object(line, str(where)), settings, where)


def _line_failed(request: web.Request, number: int, error: Exception) -> dict[str, Any]:
    """The result line of a line that was not stored, with the status its error has."""
    if isinstance(error, Problem):
        status, detail, field = error.status, error.detail, error.field
    elif isinstance(error, StoreUnavailable):
        request.app[METRICS].store_errors.inc()
        status, detail, field = 503, str(error), None
    elif isinstance(error, RediteError):  # a store refusing the article (a handle clash)
        status, detail, field = 422, str(error), None
    else:
        log.error("unexpected error on bulk line %d", number, exc_info=error)
        status, detail, field = 500, "an unexpected error; it has been logged", None
    return {"line": number, "status": status, "problem": problem_body(status, detail, field)}


async def _line_batches(
    request: web.Request, settings: Settings
) -> AsyncIterator[list[tuple[int, bytes | Problem]]]:
    """Numbered lines of the body, those of each chunk received together; a line over
    the size limit becomes a Problem."""
    buffer = bytearray()
    number = 0
    skipping = False
    reader = request.content
    while True:
        try:
            async with asyncio.timeout(settings.read_timeout):
                chunk = await reader.readany()
        except TimeoutError:
            number += 1
            yield [(number, Problem(408, f"no data for {settings.read_timeout:g} s; stream ended"))]
            return
        if not chunk:
            break
        buffer.extend(chunk)
        batch: list[tuple[int, bytes | Problem]] = []
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                break
            line = bytes(buffer[:end])
            del buffer[: end + 1]
            if skipping:
                skipping = False
                continue
            number += 1
            batch.append((number, line))
        if len(buffer) > settings.max_body_bytes and not skipping:
            number += 1
            batch.append(
                (
                    number,
                    Problem(
                        413, f"line {number} is over the limit of {settings.max_body_bytes:,} bytes"
                    ),
                )
            )
            buffer.clear()
            skipping = True
        elif skipping:
            buffer.clear()
        if batch:
            yield batch
    if buffer and not skipping:
        number += 1
        yield [(number, bytes(buffer))]


@routes.get("/v1/articles/{id:.+}")
async def get_article(request: web.Request) -> web.Response:
    """The stored article with this id."""
    stored = await request.app[STORE].get(request.match_info["id"])
    if stored is None:
        raise Problem(404, f"no article with id {request.match_info['id'][:200]!r}")
    article = stored.article
    body: dict[str, Any] = {
        "id": article.id,
        "text": article.text,
        "source": article.source,
        "url": article.url,
        "published_at": None if article.published_at is None else article.published_at.isoformat(),
        "title": article.title,
        "metadata": None if article.metadata is None else dict(article.metadata),
        "indexed_at": stored.indexed_at.isoformat(),
    }
    return web.json_response({k: v for k, v in body.items() if v is not None}, dumps=_dumps)


@routes.delete("/v1/articles/{id:.+}")
async def delete_article(request: web.Request) -> web.Response:
    """Remove an article and its postings (idempotent: 404 when it is not there)."""
    _check_token(request)
    if not await request.app[STORE].delete(request.match_info["id"]):
        raise Problem(404, f"no article with id {request.match_info['id'][:200]!r}")
    return web.Response(status=204)


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """The process is up."""
    del request
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """The store answers."""
    store = request.app[STORE]
    try:
        async with asyncio.timeout(2):
            await store.ping()
    except (StoreUnavailable, TimeoutError) as error:
        raise Problem(
            503,
            f"the store {store.url} does not answer: {error}",
            headers={"Retry-After": RETRY_AFTER},
        ) from None
    return web.json_response({"status": "ready", "store": store.url})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics."""
    return web.Response(
        body=request.app[METRICS].render(),
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
    )
