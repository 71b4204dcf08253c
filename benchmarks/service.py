"""The service benchmark: redite's Redis store and HTTP service beside datasketch's
``MinHashLSH`` on the same Redis server, in the same run.

One ``redis-server`` is started on a free loopback port (never the machine's own), and
one ``redite serve`` on it. Phases, each on an emptied database:

1. **consistency**: a composed corpus posted article by article through the bulk
   endpoint gives the same related pairs and kinds as ``check_corpus`` on it;
2. **datasketch**: ``MinHashLSH`` at redite's banding (same ``num_perm``, bands, rows)
   with Redis storage, one MinHash per paragraph, built before the clock starts:
   inserts through ``insertion_session`` and one at a time, ``INFO memory`` per
   paragraph, and query latency;
3. **redite**: pseudo-French articles (a tenth of them lightly edited republications of
   earlier ones) fill the index through the store (``RedisStore.upsert``, 32 at a time,
   band keys computed before the clock starts) and through ``/v1/articles:bulk``, both
   matched then indexed and, with ``?match=false``, indexed only (a backfill). At
   each checkpoint (paragraphs indexed) it measures Redis memory (postings and article
   records apart) and ``/v1/match`` latency at concurrency 1 and 32 with half the
   queries edited copies of indexed articles, half new text.

A paragraph is a block of text between blank lines, on both sides. Ratios are against
the datasketch figures of the same run. Nothing is asserted; the figures go to JSON
and ``python -m benchmarks.render`` puts them in BENCHMARKS.md.

    python -m benchmarks.service --out benchmarks/results/service.json
    python -m benchmarks.service --quick        # 20,000 paragraphs, about two minutes
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import redis
from datasketch import MinHash, MinHashLSH

from benchmarks.corpus import CorpusParams, generate
from benchmarks.edits import LIGHT, edit_text
from benchmarks.machine import git_commit, machine, write_result
from benchmarks.speed import synthetic_articles
from detector import check_corpus
from detector.config import DetectorConfig
from detector.matcher import index_keys
from detector.model import Article
from detector.prepare import Prepared, prepare_batch
from detector.text import fold
from service.stores import open_store
from service.stores.redis import RedisStore
from tests.service.redis_servers import RedisServer, free_port

TARGETS = {"ingest_ratio": 50.0, "memory_ratio": 0.1, "match_p99_ms": 20.0}
"""The issue's targets: ingest >= 50x datasketch's session rate, postings bytes per
paragraph <= 1/10 of datasketch's, /v1/match p99 <= 20 ms at concurrency 32."""
CHUNK = 2000
"""Articles generated, prepared and written per step of the fill."""
REPUBLISHED = 0.1
NAMESPACE = "redite"


def paragraphs(text: str) -> list[str]:
    """The blocks between blank lines (what both sides count as paragraphs)."""
    return [p for p in text.split("\n\n") if p.strip()]


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


# --------------------------------------------------------------------------- corpus


def articles(seed: int) -> Iterator[Article]:
    """An endless stream of ~400-word articles; a tenth republish an earlier one."""
    rng = random.Random(seed)
    chunk = 0
    while True:
        batch = synthetic_articles(CHUNK, 400, seed * 100_003 + chunk)
        out: list[Article] = []
        for n, article in enumerate(batch):
            article_id = f"s{seed}-c{chunk}-{n}"
            if out and rng.random() < REPUBLISHED:
                source = rng.choice(out)
                out.append(Article(article_id, edit_text(source.text, LIGHT, rng)))
            else:
                out.append(replace(article, id=article_id))
        yield from out
        chunk += 1


def take(stream: Iterator[Article], count: int) -> list[Article]:
    return [next(stream) for _ in range(count)]


def queries(indexed: Sequence[Article], count: int, seed: int) -> list[Article]:
    """Half edited copies of indexed articles (each should match), half new text."""
    rng = random.Random(seed)
    fresh = synthetic_articles(count - count // 2, 400, 10_000 + seed)
    copies = [
        Article(f"q-copy-{n}", edit_text(rng.choice(indexed).text, LIGHT, rng))
        for n in range(count // 2)
    ]
    mixed = copies + [replace(a, id=f"q-new-{n}") for n, a in enumerate(fresh)]
    rng.shuffle(mixed)
    return mixed


# --------------------------------------------------------------------------- datasketch


def shingles(text: str, k: int) -> list[bytes]:
    folded = fold(text).text
    return [folded[i : i + k].encode() for i in range(max(len(folded) - k + 1, 1))]


def datasketch_phase(
    url: str, port: int, corpus: list[Article], config: DetectorConfig, queries_n: int
) -> dict[str, Any]:
    """datasketch's MinHashLSH on Redis: ingest rates, memory per paragraph, query latency."""
    client = redis.Redis.from_url(url)
    client.flushdb()
    bands, rows = config.bands_rows()
    items = [(f"{a.id}:{n}", p) for a in corpus for n, p in enumerate(paragraphs(a.text))]
    print(f"datasketch: {len(items):,} paragraphs, computing MinHashes", file=sys.stderr)
    hashes = MinHash.bulk(
        [shingles(p, config.shingle_size) for _, p in items],
        num_perm=config.num_perm,
        seed=config.seed,
    )

    def lsh(basename: bytes) -> MinHashLSH:
        return MinHashLSH(
            num_perm=config.num_perm,
            params=(bands, rows),
            storage_config={
                "type": "redis",
                "redis": {"host": "127.0.0.1", "port": port},
                "basename": basename,
            },
        )

    before = used_memory(client)
    session = lsh(b"ds")
    start = time.perf_counter()
    with session.insertion_session(buffer_size=50_000) as inserting:
        for (key, _), minhash in zip(items, hashes, strict=True):
            inserting.insert(key, minhash)
    session_seconds = time.perf_counter() - start
    memory = used_memory(client) - before

    single = lsh(b"ds1")
    few = min(2000, len(items))
    start = time.perf_counter()
    for (key, _), minhash in zip(items[:few], hashes[:few], strict=True):
        single.insert(key, minhash)
    single_seconds = time.perf_counter() - start

    rng = random.Random(1)
    latencies = []
    for _ in range(queries_n):
        minhash = hashes[rng.randrange(len(hashes))]
        start = time.perf_counter()
        session.query(minhash)
        latencies.append((time.perf_counter() - start) * 1000)
    for index in (session, single):
        for storage in (*index.hashtables, index.keys):
            storage._redis.close()  # datasketch leaves its connections open
    client.flushdb()
    client.close()
    return {
        "paragraphs": len(items),
        "bands_rows": [bands, rows],
        "session_paragraphs_per_s": len(items) / session_seconds,
        "single_paragraphs_per_s": few / single_seconds,
        "bytes_per_paragraph": memory / len(items),
        "query_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)},
        "queries": queries_n,
    }


# --------------------------------------------------------------------------- service


class Service:
    """``redite serve`` in a subprocess on a free port, over the benchmark's Redis."""

    def __init__(self, store_url: str, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "REDITE_NAMESPACE": NAMESPACE}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--store", store_url,
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    async def wait(self) -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"{self.url}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"redite serve did not become ready on {self.url}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def body(article: Article) -> dict[str, Any]:
    out: dict[str, Any] = {"id": article.id, "text": article.text}
    if article.published_at is not None:
        out["published_at"] = article.published_at.isoformat()
    return out


async def bulk(
    base: str, corpus: Sequence[Article], streams: int, match: bool = True
) -> list[dict[str, Any]]:
    """Post ``corpus`` through ``/v1/articles:bulk`` in ``streams`` concurrent requests
    (in order within each), matched then indexed or (``match=False``) indexed only; every
    line's result."""
    parts = [corpus[i::streams] for i in range(streams)] if streams > 1 else [corpus]
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def one(part: Sequence[Article]) -> list[dict[str, Any]]:
            data = "".join(json.dumps(body(a)) + "\n" for a in part).encode()
            async with session.post(
                f"{base}/v1/articles:bulk" + ("" if match else "?match=false"),
                data=data,
                headers={"Content-Type": "application/x-ndjson"},
            ) as response:
                response.raise_for_status()
                return [json.loads(line) for line in (await response.text()).splitlines()]

        results = await asyncio.gather(*(one(p) for p in parts))
    lines = [line for result in results for line in result]
    failed = [line for line in lines if line["status"] not in (200, 201)]
    if failed:
        raise RuntimeError(f"bulk lines failed: {failed[:3]}")
    return lines


async def latency(base: str, asked: Sequence[Article], concurrency: int) -> dict[str, Any]:
    """``/v1/match`` for every query, ``concurrency`` in flight: latency and rate."""
    pending = list(enumerate(asked))
    times: list[float] = []
    matched = 0
    copies = sum(a.id.startswith("q-copy") for a in asked)
    found_copies = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            nonlocal matched, found_copies
            while pending:
                _, article = pending.pop()
                start = time.perf_counter()
                async with session.post(f"{base}/v1/match", json=body(article)) as response:
                    report = await response.json()
                    if response.status != 200:
                        raise RuntimeError(f"/v1/match answered {response.status}: {report}")
                times.append((time.perf_counter() - start) * 1000)
                if report["matches"]:
                    matched += 1
                    found_copies += article.id.startswith("q-copy")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    return {
        "concurrency": concurrency,
        "requests": len(times),
        "requests_per_s": len(times) / seconds,
        "p50_ms": percentile(times, 50),
        "p90_ms": percentile(times, 90),
        "p99_ms": percentile(times, 99),
        "copies_found": found_copies / copies if copies else None,
        "new_matched": (matched - found_copies) / (len(asked) - copies),
    }


# --------------------------------------------------------------------------- phases


async def consistency_phase(base: str, client: redis.Redis, count: int) -> dict[str, Any]:
    """Bulk-post a composed corpus; compare its pairs with ``check_corpus``."""
    client.flushdb()
    corpus = generate(CorpusParams(articles=count, seed=1, source="synthetic"))
    expected = {
        (min(r.id, m.id), max(r.id, m.id)): m.kind
        for r in check_corpus(corpus.articles)
        for m in r.matches
    }
    posted: dict[tuple[str, str], str] = {}
    for line in await bulk(base, corpus.articles, 1):
        for m in line["matches"]:
            posted[(min(line["id"], m["id"]), max(line["id"], m["id"]))] = m["kind"]
    client.flushdb()
    same = sum(posted.get(pair) == kind for pair, kind in expected.items())
    return {
        "articles": count,
        "source": corpus.truth.meta["source"],
        "check_pairs": len(expected),
        "service_pairs": len(posted),
        "same_pair_and_kind": same,
        "only_check": len(expected.keys() - posted.keys()),
        "only_service": len(posted.keys() - expected.keys()),
        "identical": posted == expected,
    }


def memory_split(client: redis.Redis, prefix: str, articles_n: int) -> dict[str, float]:
    """Redis bytes in all, and the article records' share (from a sample of ``MEMORY
    USAGE``); the rest is postings and bookkeeping."""
    total = used_memory(client)
    sample = []
    for key in client.scan_iter(match=f"{prefix}a:*", count=1000):
        sample.append(key)
        if len(sample) >= 500:
            break
    records = statistics.fmean(client.memory_usage(k) or 0 for k in sample) * articles_n
    return {"used_memory": total, "records": records, "postings": total - records}


async def fill(
    store: RedisStore,
    stream: Iterator[Article],
    *,
    target_paragraphs: int,
    config: DetectorConfig,
    totals: dict[str, float],
    indexed: list[Article],
) -> None:
    """Write articles through the store until ``target_paragraphs`` are indexed."""
    gate = asyncio.Semaphore(32)

    async def write(prepared: Prepared, keys: list[int]) -> None:
        async with gate:
            # With its segments, as the service writes it.
            await store.upsert(prepared.article, keys, (prepared.paragraphs, prepared.units))

    while totals["paragraphs"] < target_paragraphs:
        batch = take(stream, CHUNK)
        start = time.perf_counter()
        ready = prepare_batch(batch, config)
        keys = [index_keys(p) for p in ready]
        totals["prepare_seconds"] += time.perf_counter() - start
        start = time.perf_counter()
        await asyncio.gather(*(write(p, k) for p, k in zip(ready, keys, strict=True)))
        totals["store_seconds"] += time.perf_counter() - start
        count = sum(len(paragraphs(a.text)) for a in batch)
        totals["store_paragraphs"] += count
        totals["paragraphs"] += count
        totals["articles"] += len(batch)
        indexed.extend(random.Random(len(indexed)).sample(batch, 20))
        print(f"  {int(totals['paragraphs']):,} paragraphs indexed", file=sys.stderr)


async def redite_phase(
    service: Service, server: RedisServer, args: argparse.Namespace, config: DetectorConfig
) -> dict[str, Any]:
    client = redis.Redis.from_url(server.url)
    client.flushdb()
    baseline = used_memory(client)
    store = open_store(server.url, config, namespace=NAMESPACE)  # the service's own index
    assert isinstance(store, RedisStore)
    stream = articles(seed=3)
    totals = dict.fromkeys(
        ("paragraphs", "articles", "prepare_seconds", "store_seconds", "store_paragraphs",
         "bulk_seconds", "bulk_paragraphs", "backfill_seconds", "backfill_paragraphs"), 0.0,
    )  # fmt: skip
    indexed: list[Article] = []
    checkpoints = []
    for target in args.checkpoints:
        await fill(
            store,
            stream,
            target_paragraphs=target - args.bulk_paragraphs,
            config=config,
            totals=totals,
            indexed=indexed,
        )
        rates = {}
        for phase, match in (("backfill", False), ("bulk", True)):
            batch: list[Article] = []
            while sum(len(paragraphs(a.text)) for a in batch) < args.bulk_paragraphs // 2:
                batch.extend(take(stream, 100))
            print(f"  {phase} through the bulk endpoint: {len(batch):,} articles", file=sys.stderr)
            start = time.perf_counter()
            await bulk(service.url, batch, args.workers, match=match)
            seconds = time.perf_counter() - start
            count = sum(len(paragraphs(a.text)) for a in batch)
            rates[phase] = count / seconds
            totals[f"{phase}_seconds"] += seconds
            totals[f"{phase}_paragraphs"] += count
            totals["paragraphs"] += count
            totals["articles"] += len(batch)
            indexed.extend(batch[:: max(len(batch) // 25, 1)])
        memory = memory_split(client, store._prefix, int(totals["articles"]))
        memory = {k: v - baseline if k != "records" else v for k, v in memory.items()}
        asked = queries(indexed, args.queries, seed=target)
        print(f"  /v1/match at {int(totals['paragraphs']):,} paragraphs", file=sys.stderr)
        runs = [
            await latency(service.url, asked[: args.queries // 5], 1),
            await latency(service.url, asked, args.concurrency),
        ]
        checkpoints.append(
            {
                "paragraphs": int(totals["paragraphs"]),
                "articles": int(totals["articles"]),
                "postings_bytes_per_paragraph": memory["postings"] / totals["paragraphs"],
                "records_bytes_per_paragraph": memory["records"] / totals["paragraphs"],
                "used_memory_bytes": memory["used_memory"],
                "bulk_paragraphs_per_s": rates["bulk"],
                "backfill_paragraphs_per_s": rates["backfill"],
                "match": runs,
            }
        )
    info = client.info("memory")
    stats = client.info("commandstats")
    await store.close()
    client.flushdb()
    client.close()
    return {
        "store_paragraphs_per_s": totals["store_paragraphs"] / totals["store_seconds"],
        "prepare_paragraphs_per_s": totals["store_paragraphs"] / totals["prepare_seconds"],
        "bulk_paragraphs_per_s": totals["bulk_paragraphs"] / totals["bulk_seconds"],
        "backfill_paragraphs_per_s": totals["backfill_paragraphs"] / totals["backfill_seconds"],
        "paragraphs_per_article": totals["paragraphs"] / totals["articles"],
        "fragmentation_ratio": info.get("mem_fragmentation_ratio"),
        "redis_usec_per_call": {
            name.removeprefix("cmdstat_"): stat["usec_per_call"]
            for name, stat in stats.items()
            if name.removeprefix("cmdstat_") in ("evalsha", "mget", "get", "set", "hget", "hvals")
        },
        "checkpoints": checkpoints,
    }


def extrapolate(result: dict[str, Any], node_gib: float) -> dict[str, Any]:
    """Memory at 100 M paragraphs and what a cluster node holds, by linear extrapolation
    of the largest checkpoint (stated as such in BENCHMARKS.md)."""
    last = result["redite"]["checkpoints"][-1]
    per = last["postings_bytes_per_paragraph"] + last["records_bytes_per_paragraph"]
    per_postings = last["postings_bytes_per_paragraph"]
    node = node_gib * 2**30
    return {
        "paragraphs": 100_000_000,
        "postings_gib": per_postings * 1e8 / 2**30,
        "total_gib": per * 1e8 / 2**30,
        "node_gib": node_gib,
        "paragraphs_per_node": node / per,
        "nodes_for_100m": int(np.ceil(per * 1e8 / node)),
        "group_bits_for_100m": 27,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    commit = git_commit()  # the code measured: the run may outlast later commits
    config = DetectorConfig()
    with RedisServer() as server:  # Redis's default settings
        client = redis.Redis.from_url(server.url)
        service = Service(server.url, args.workers)
        try:
            await service.wait()
            print("consistency", file=sys.stderr)
            consistency = await consistency_phase(service.url, client, args.consistency)
            ds_corpus = take(articles(seed=2), args.datasketch_articles)
            datasketch = datasketch_phase(server.url, server.port, ds_corpus, config, 1000)
            print(f"datasketch: {datasketch}", file=sys.stderr)
            redite = await redite_phase(service, server, args, config)
        finally:
            service.stop()
            client.close()
    result: dict[str, Any] = {
        "benchmark": "service",
        "command": "python -m benchmarks.service " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "commit": commit,
        "redis": server_version(),
        "config": {"bands_rows": list(config.bands_rows()), "num_perm": config.num_perm},
        "workers": args.workers,
        "consistency": consistency,
        "datasketch": datasketch,
        "redite": redite,
    }
    result["extrapolation"] = extrapolate(result, node_gib=20.0)
    last = redite["checkpoints"][-1]
    c32 = next(r for r in last["match"] if r["concurrency"] == args.concurrency)
    result["targets"] = {
        "store_ingest_ratio": redite["store_paragraphs_per_s"]
        / datasketch["session_paragraphs_per_s"],
        "bulk_ingest_ratio": redite["bulk_paragraphs_per_s"]
        / datasketch["session_paragraphs_per_s"],
        "backfill_ingest_ratio": redite["backfill_paragraphs_per_s"]
        / datasketch["session_paragraphs_per_s"],
        "memory_ratio": last["postings_bytes_per_paragraph"] / datasketch["bytes_per_paragraph"],
        "match_p99_ms": c32["p99_ms"],
        "goals": TARGETS,
    }
    return result


def server_version() -> str:
    out = subprocess.run(["redis-server", "--version"], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--checkpoints",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[100_000, 1_000_000],
        help="paragraphs indexed at which to measure (default 100000,1000000)",
    )
    parser.add_argument(
        "--bulk-paragraphs",
        type=int,
        default=20_000,
        help="paragraphs posted through the bulk endpoint before each checkpoint",
    )
    parser.add_argument(
        "--datasketch-articles",
        type=int,
        default=6000,
        help="articles (about 9 paragraphs each) for datasketch's side",
    )
    parser.add_argument(
        "--consistency",
        type=int,
        default=2000,
        help="articles in the corpus compared with check_corpus",
    )
    parser.add_argument(
        "--queries",
        type=int,
        default=400,
        help="/v1/match queries at each checkpoint (a fifth of them at concurrency 1)",
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="redite serve --workers")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="20,000 paragraphs, small phases: checks the script runs",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)  # fmt: skip
    if args.quick:
        args.checkpoints, args.bulk_paragraphs = [20_000], 4_000
        args.datasketch_articles, args.consistency, args.queries = 500, 200, 200
    result = asyncio.run(run(args))
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
