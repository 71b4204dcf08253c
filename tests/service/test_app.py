"""The HTTP service through a real aiohttp server on loopback (SQLite or a real Redis)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from benchmarks.corpus import CorpusParams, generate
from detector import DetectorConfig, check_corpus
from service.app import create_app
from service.settings import Settings
from tests.service.redis_servers import RedisServer

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]

WIRE = (
    "Le vice-ministre russe de la Défense a annoncé mercredi que des navires de la "
    "flottille de la Caspienne avaient tiré vingt-six missiles de croisière sur des "
    "cibles en Syrie.\n\nSelon lui, toutes les cibles ont été détruites et aucun objet "
    "civil n'a été touché pendant l'opération, qui a duré plusieurs heures."
)


@pytest.fixture
def client(aiohttp_client: Any, tmp_path: Path) -> Callable[..., Awaitable[Client]]:
    async def make(**settings: Any) -> Client:
        settings.setdefault("store", f"sqlite:///{tmp_path}/index.db")
        app = create_app(Settings(**settings))
        made: Client = await aiohttp_client(app)
        return made

    return make


async def post(client: Client, path: str, body: Any, **kwargs: Any) -> tuple[int, Any]:
    response = await client.post(path, json=body, **kwargs)
    return response.status, await response.json(content_type=None)


async def test_index_match_get_delete(client: MakeClient) -> None:
    c = await client()
    status, body = await post(c, "/v1/articles", {"id": "wire", "text": WIRE, "source": "AFP"})
    assert (status, body["matches"], body["created"], body["indexed"]) == (201, [], True, True)
    status, body = await post(c, "/v1/articles", {"id": "copy", "text": "Titre\n\n" + WIRE})
    assert status == 201
    (found,) = body["matches"]
    assert (found["id"], found["kind"], found["source"]) == ("wire", "duplicate", "AFP")
    start, end = found["passages"][0]["query_span"]
    assert ("Titre\n\n" + WIRE)[start:end].startswith("Le vice-ministre")
    status, body = await post(c, "/v1/articles", {"id": "copy", "text": "Titre\n\n" + WIRE})
    assert (status, body["created"]) == (200, False)
    status, body = await post(c, "/v1/match", {"text": WIRE})
    assert status == 200
    assert sorted(m["id"] for m in body["matches"]) == ["copy", "wire"]
    response = await c.get("/v1/articles/wire")
    assert response.status == 200
    assert (await response.json())["source"] == "AFP"
    assert (await c.delete("/v1/articles/wire")).status == 204
    assert (await c.delete("/v1/articles/wire")).status == 404
    response = await c.get("/v1/articles/wire")
    assert response.status == 404
    assert response.content_type == "application/problem+json"


async def test_presets_keep_indexes_of_their_own(client: MakeClient) -> None:
    """One store file, two presets: each service finds only what it indexed itself."""
    news = await client()
    ocr = await client(detector=DetectorConfig.preset("ocr"))
    assert (await post(ocr, "/v1/articles", {"id": "scan", "text": WIRE}))[0] == 201
    status, body = await post(ocr, "/v1/match", {"text": "Titre\n\n" + WIRE})
    assert (status, [m["id"] for m in body["matches"]]) == (200, ["scan"])
    status, body = await post(news, "/v1/match", {"text": WIRE})
    assert (status, body["matches"]) == (200, [])


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"text": WIRE}, 422, "id"),
        ({"id": "a"}, 422, "text"),
        ({"id": 3, "text": WIRE}, 422, "id"),
        ({"id": "a", "text": ["x"]}, 422, "text"),
        ({"id": "a", "text": WIRE, "published_at": "yesterday"}, 422, "published_at"),
        ({"id": "a", "text": WIRE, "metadata": "x"}, 422, "metadata"),
        ({"id": "a" * 10_000, "text": WIRE}, 422, "id"),
        ({"id": "a", "text": "ligne\n" * 100_000}, 422, "text"),
        ([1, 2], 422, None),
    ],
)
async def test_bad_articles_get_a_problem_naming_the_field(
    client: MakeClient, body: Any, status: int, field: str | None
) -> None:
    c = await client()
    got, problem = await post(c, "/v1/articles", body)
    assert got == status
    assert problem["status"] == status
    assert problem.get("field") == field
    assert problem["detail"]
    assert (await c.get("/healthz")).status == 200


async def test_ids_with_braces_colons_and_spaces_are_fine(client: MakeClient) -> None:
    c = await client()
    for article_id in ["{x}", "a:b", "with space", "é/ü?#"]:
        status, _ = await post(c, "/v1/articles", {"id": article_id, "text": WIRE})
        assert status == 201
        assert (await c.get(f"/v1/articles/{quote(article_id, safe='')}")).status == 200


async def test_malformed_bodies(client: MakeClient) -> None:
    c = await client()
    response = await c.post(
        "/v1/articles", data=b'{"id": "a",', headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert "not valid JSON" in (await response.json(content_type=None))["detail"]
    response = await c.post("/v1/articles", data=b"id=a", headers={"Content-Type": "text/plain"})
    assert response.status == 415
    response = await c.post(
        "/v1/articles", data=b"\xff\xfe", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400


@pytest.mark.slow
async def test_a_50_megabyte_body_is_413_and_the_service_goes_on(client: MakeClient) -> None:
    c = await client()
    body = json.dumps({"id": "big", "text": "x" * (50 * 1024 * 1024)}).encode()
    response = await c.post(
        "/v1/articles", data=io.BytesIO(body), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert "limit" in (await response.json(content_type=None))["detail"]
    assert (await post(c, "/v1/articles", {"id": "a", "text": WIRE}))[0] == 201


async def test_text_over_the_limit_is_413(client: MakeClient) -> None:
    c = await client(max_text_chars=1000)
    status, problem = await post(c, "/v1/articles", {"id": "a", "text": "x" * 1001})
    assert (status, problem["field"]) == (413, "text")


async def test_a_slow_client_gets_408(client: MakeClient) -> None:
    c = await client(read_timeout=0.3)

    async def trickle() -> Any:
        yield b'{"id": "a", '
        await asyncio.sleep(1.0)
        yield b'"text": "x"}'

    response = await c.post(
        "/v1/articles", data=trickle(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 408
    assert (await c.get("/healthz")).status == 200


async def test_writes_need_the_token_when_one_is_set(client: MakeClient) -> None:
    c = await client(token="s3cret")
    status, problem = await post(c, "/v1/articles", {"id": "a", "text": WIRE})
    assert status == 401
    assert "Bearer" in problem["detail"]
    wrong = {"Authorization": "Bearer nope"}
    assert (await post(c, "/v1/articles", {"id": "a", "text": WIRE}, headers=wrong))[0] == 401
    good = {"Authorization": "Bearer s3cret"}
    assert (await post(c, "/v1/articles", {"id": "a", "text": WIRE}, headers=good))[0] == 201
    assert (await post(c, "/v1/match", {"text": WIRE}))[0] == 200  # reads stay open
    assert (await c.get("/v1/articles/a")).status == 200
    assert (await c.delete("/v1/articles/a")).status == 401
    assert (await c.delete("/v1/articles/a", headers=good)).status == 204


async def test_bulk_streams_one_result_per_line(client: MakeClient) -> None:
    c = await client()
    lines = [
        json.dumps({"id": "wire", "text": WIRE}),
        "{not json",
        "",
        json.dumps({"id": "copy", "text": "Titre\n\n" + WIRE}),
        json.dumps({"id": "bad", "text": 5}),
    ]
    response = await c.post(
        "/v1/articles:bulk",
        data="\n".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert response.status == 200
    results = [json.loads(line) for line in (await response.text()).splitlines()]
    assert [(r["line"], r["status"]) for r in results] == [(1, 201), (2, 400), (4, 201), (5, 422)]
    assert [m["id"] for m in results[2]["matches"]] == ["wire"]
    assert results[3]["problem"]["field"] == "text"


async def test_match_explains_why_an_indexed_article_is_a_match_or_not(
    client: MakeClient,
) -> None:
    c = await client()
    other = "Un tout autre texte, sur la saison de l'orchestre et ses six créations en ville."
    assert (await post(c, "/v1/articles", {"id": "wire", "text": WIRE}))[0] == 201
    assert (await post(c, "/v1/articles", {"id": "arts", "text": other}))[0] == 201
    status, body = await post(c, "/v1/match?explain=wire", {"text": "Titre\n\n" + WIRE})
    assert status == 200
    assert [m["id"] for m in body["matches"]] == ["wire"]
    why = body["explain"]
    assert (why["id"], why["reported"], why["candidate_rank"]) == ("wire", True, 1)
    assert why["pair"]["lost_at"] is None
    assert [s["passed"] for s in why["pair"]["steps"]] == [True] * 5
    status, body = await post(c, "/v1/match?explain=arts", {"text": WIRE})
    why = body["explain"]
    assert (why["reported"], why["candidate_rank"]) == (False, None)
    assert why["pair"]["lost_at"] == "unit pairs"
    assert why["units"] >= 1
    status, problem = await post(c, "/v1/match?explain=nobody", {"text": WIRE})
    assert (status, problem["field"]) == (404, "explain")
    status, problem = await post(c, "/v1/match?explain=", {"text": WIRE})
    assert (status, problem["field"]) == (422, "explain")
    status, body = await post(c, "/v1/match", {"text": WIRE})
    assert "explain" not in body


async def bulk(client: Client, lines: list[str], query: str = "") -> list[dict[str, Any]]:
    response = await client.post(
        "/v1/articles:bulk" + query,
        data="\n".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert response.status == 200
    return [json.loads(line) for line in (await response.text()).splitlines()]


@pytest.mark.parametrize("store", ["sqlite", "redis"])
async def test_bulk_without_matching_indexes_in_input_order(
    client: MakeClient, store: str, request: pytest.FixtureRequest
) -> None:
    if store == "redis":
        c = await client(store=request.getfixturevalue("fresh_redis_server").url)
    else:
        c = await client()
    other = "Un tout autre texte, sur la saison de l'orchestre et ses six créations."
    lines = [
        json.dumps({"id": f"n{i}", "text": f"{WIRE}\n\nParagraphe local numéro {i}."})
        for i in range(40)
    ]
    lines[5] = "{not json"
    lines[7] = ""
    # the same id twice in one body: the later line is the version kept
    lines += [json.dumps({"id": "twice", "text": WIRE}), json.dumps({"id": "twice", "text": other})]
    results = await bulk(c, lines, "?match=false")
    assert [r["line"] for r in results] == [n for n in range(1, 43) if n != 8]
    assert results[5]["status"] == 400
    stored = [r for r in results if r["status"] in (200, 201)]
    assert len(stored) == 40
    assert all(r.keys() == {"line", "status", "id", "indexed", "created"} for r in stored)
    assert [r["status"] for r in results[-2:]] == [201, 200]
    kept = await (await c.get("/v1/articles/twice")).json()
    assert kept["text"] == other
    # indexed, though not matched: a later query finds every copy
    status, body = await post(c, "/v1/match", {"text": WIRE})
    assert status == 200
    assert {m["id"] for m in body["matches"]} >= {f"n{i}" for i in range(40) if i not in (5, 7)}


async def test_bulk_match_must_be_true_or_false(client: MakeClient) -> None:
    c = await client()
    response = await c.post(
        "/v1/articles:bulk?match=no",
        data=json.dumps({"id": "a", "text": WIRE}).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert response.status == 422
    problem = await response.json(content_type=None)
    assert problem["field"] == "match"
    assert "true or false" in problem["detail"]
    assert (await c.get("/v1/articles/a")).status == 404


async def test_bulk_without_matching_stops_at_a_store_outage(
    client: MakeClient, fresh_redis_server: RedisServer
) -> None:
    c = await client(store=fresh_redis_server.url)
    lines = [json.dumps({"id": f"a{i}", "text": WIRE}) for i in range(3)]
    assert [r["status"] for r in await bulk(c, lines, "?match=false")] == [201, 201, 201]
    fresh_redis_server.stop()
    results = await bulk(c, lines, "?match=false")
    assert [r["status"] for r in results] == [503]
    fresh_redis_server.start()
    for _ in range(50):
        if (await c.get("/readyz")).status == 200:
            break
        await asyncio.sleep(0.1)
    assert [r["status"] for r in await bulk(c, lines, "?match=false")] == [201, 201, 201]


async def test_metrics_count_requests_and_matches(client: MakeClient) -> None:
    c = await client()
    await post(c, "/v1/articles", {"id": "wire", "text": WIRE})
    await post(c, "/v1/articles", {"id": "copy", "text": WIRE})
    text = await (await c.get("/metrics")).text()
    assert 'redite_matches_total{kind="duplicate"} 1.0' in text
    assert "redite_articles_indexed_total 2.0" in text
    assert 'route="/v1/articles",status="201"' in text
    assert "redite_hot_buckets_skipped_total" in text


async def test_redis_down_is_503_then_the_service_resumes(
    client: MakeClient, fresh_redis_server: RedisServer
) -> None:
    c = await client(store=fresh_redis_server.url)
    assert (await c.get("/readyz")).status == 200
    assert (await post(c, "/v1/articles", {"id": "a", "text": WIRE}))[0] == 201
    fresh_redis_server.stop()
    response = await c.get("/readyz")
    assert response.status == 503
    response = await c.post("/v1/articles", json={"id": "b", "text": WIRE})
    assert response.status == 503
    assert response.headers["Retry-After"]
    assert (await c.get("/healthz")).status == 200
    fresh_redis_server.start()
    for _ in range(50):
        if (await c.get("/readyz")).status == 200:
            break
        await asyncio.sleep(0.1)
    status, body = await post(c, "/v1/articles", {"id": "b", "text": WIRE})
    assert status == 201
    assert [m["id"] for m in body["matches"]] == []  # "a" was lost with the server's memory


async def test_startup_warns_when_redis_could_lose_acknowledged_writes(
    client: MakeClient, fresh_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        c = await client(store=fresh_redis_server.url)
        for _ in range(50):
            if any("appendonly no" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.05)
    assert any("appendonly no" in r.getMessage() for r in caplog.records)
    assert (await c.get("/healthz")).status == 200


@pytest.mark.slow
async def test_posting_a_corpus_finds_what_check_finds(client: MakeClient) -> None:
    corpus = generate(CorpusParams(articles=150, seed=3, source="synthetic"))
    expected = {
        (min(r.id, m.id), max(r.id, m.id)): m.kind
        for r in check_corpus(corpus.articles)
        for m in r.matches
    }
    c = await client()
    posted: dict[tuple[str, str], str] = {}
    for article in corpus.articles:
        body = {"id": article.id, "text": article.text}
        if article.published_at is not None:
            body["published_at"] = article.published_at.isoformat()
        status, report = await post(c, "/v1/articles", body)
        assert status == 201
        for m in report["matches"]:
            posted[(min(article.id, m["id"]), max(article.id, m["id"]))] = m["kind"]
    assert posted == expected


@pytest.mark.parametrize(
    "body",
    [
        '{"id": "m", "text": "x", "metadata": {"k": "\\ud800"}}',
        '{"id": "m", "text": "x", "metadata": {"n": NaN}}',
        '{"id": "m", "text": "x", "published_at": "2020-01-01T00:00:00+05:30:15"}',
    ],
)
async def test_values_json_cannot_carry_back_are_refused(client: MakeClient, body: str) -> None:
    c = await client()
    response = await c.post(
        "/v1/articles", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status in (400, 422)
    response = await c.post(
        "/v1/articles:bulk",
        data=(body + "\n" + json.dumps({"id": "ok", "text": WIRE})).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    statuses = [json.loads(line)["status"] for line in (await response.text()).splitlines()]
    assert statuses[0] in (400, 422)
    assert statuses[1] == 201


async def test_a_long_non_ascii_id_can_be_read_back(client: MakeClient) -> None:
    c = await client()
    article_id = "\U0010d38c" * 1024
    assert (await post(c, "/v1/articles", {"id": article_id, "text": WIRE}))[0] == 201
    assert (await c.get(f"/v1/articles/{quote(article_id, safe='')}")).status == 200
    assert (await c.delete(f"/v1/articles/{quote(article_id, safe='')}")).status == 204
