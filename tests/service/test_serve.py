"""``redite serve`` as a subprocess, used over TCP with a real HTTP client."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.service.redis_servers import free_port

WIRE = (
    "Le vice-ministre russe de la Défense a annoncé mercredi que des navires de la "
    "flottille de la Caspienne avaient tiré vingt-six missiles de croisière sur des "
    "cibles en Syrie.\n\nSelon lui, toutes les cibles ont été détruites et aucun objet "
    "civil n'a été touché pendant l'opération, qui a duré plusieurs heures."
)

pytestmark = pytest.mark.slow


class Served:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.log = log


def _serve(tmp_path: Path, *args: str) -> Iterator[Served]:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port), *args],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "REDITE_SHUTDOWN_TIMEOUT": "20"},
        )
    served = Served(process, port, log)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"redite serve exited: {log.read_text()}")
            try:
                with urllib.request.urlopen(served.url + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"redite serve did not answer: {log.read_text()}")
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path)


async def test_a_newcomer_posts_an_article(served: Served, tmp_path: Path) -> None:
    async with aiohttp.ClientSession(served.url) as http:
        async with http.post("/v1/articles", json={"id": "wire", "text": WIRE}) as response:
            assert response.status == 201
        async with http.post("/v1/articles", json={"id": "copy", "text": WIRE}) as response:
            body = await response.json()
        assert [(m["id"], m["kind"]) for m in body["matches"]] == [("wire", "duplicate")]
        async with http.get("/openapi.json") as response:
            assert (await response.json())["openapi"].startswith("3.")
        async with http.get("/") as response:
            assert "<textarea" in await response.text()
    assert (tmp_path / "redite-index.db").exists()  # the embedded default store
    log = served.log.read_text()
    assert '"path": "/v1/articles", "status": 201' in log
    assert "preset news" in log  # an operator sees which index the service keeps


async def test_sigterm_lets_an_in_flight_request_finish(served: Served) -> None:
    sent = asyncio.Event()

    async def slowly() -> AsyncIterator[bytes]:
        yield (json.dumps({"id": "one", "text": WIRE}) + "\n").encode()
        sent.set()
        await asyncio.sleep(1.5)
        yield (json.dumps({"id": "two", "text": WIRE}) + "\n").encode()

    async with aiohttp.ClientSession(served.url) as http:
        request = asyncio.create_task(
            http.post(
                "/v1/articles:bulk",
                data=slowly(),
                headers={"Content-Type": "application/x-ndjson"},
            )
        )
        await sent.wait()
        await asyncio.sleep(0.3)
        served.process.send_signal(signal.SIGTERM)
        response = await request
        lines = [json.loads(line) for line in (await response.text()).splitlines()]
        response.release()
    assert [(r["line"], r["status"]) for r in lines] == [(1, 201), (2, 201)]
    assert await asyncio.to_thread(served.process.wait, 20) == 0


def test_workers_share_one_port(tmp_path: Path) -> None:
    for served in _serve(tmp_path, "--workers", "2"):
        pids = set()
        for n in range(40):
            data = json.dumps({"id": f"a{n}", "text": WIRE}).encode()
            request = urllib.request.Request(
                served.url + "/v1/articles", data, {"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status in (200, 201)
        time.sleep(0.2)
        for line in served.log.read_text().splitlines():
            if line.startswith("{"):
                pids.add(json.loads(line)["pid"])
        assert len(pids) == 2
        with urllib.request.urlopen(served.url + "/metrics", timeout=10) as answer:
            assert b"redite_articles_indexed_total 40.0" in answer.read()
        served.process.terminate()
        assert served.process.wait(20) == 0
