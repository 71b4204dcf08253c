"""Benchmark of the embedded SQLite store: how far the default index goes.

Generated scale articles (``benchmarks.scale``, about 3 KB each) are prepared first,
outside the clocks, then put into a fresh SQLite file in two ways, in the same run:

- **one at a time**, as one client of ``redite serve`` writes them: each upsert its own
  transaction, committed with ``synchronous=FULL`` before the next;
- **32 in flight**, as concurrent clients or ``/v1/articles:bulk`` write them (the same
  number of articles): the store commits the upserts that wait together;
- **in batches** (``Store.upsert_many``, one transaction per ``--batch`` articles), as
  ``redite dedupe --index`` and a bulk load write them.

At each checkpoint of the batched load it records the ingest rate since the last one,
the file's bytes per article, and the latency of a lookup (one article's band keys)
and of a whole match (lookup, fetch, verification), one request at a time.

Example::

    python -m benchmarks.embedded --out benchmarks/results/embedded.json   # ~6 minutes
    python -m benchmarks.embedded --articles 3000 --single 500             # ~1 minute
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.machine import git_commit, machine, write_result
from benchmarks.scale import ScaleParams, articles
from detector.config import DetectorConfig
from detector.matcher import index_keys
from detector.model import Article
from detector.prepare import Prepared, prepare_batch
from service.matching import match_prepared
from service.stores import Store, open_store

QUERIES = 200
"""Lookups and matches timed at each checkpoint."""
WINDOW = 32
"""Upserts in flight in the concurrent load (what ``/v1/articles:bulk`` keeps)."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepared_articles(count: int, seed: int, config: DetectorConfig) -> list[Prepared]:
    """``count`` generated articles, prepared (signed and segmented)."""
    rows = [row for row, _ in articles(ScaleParams(count, seed=seed))]
    found: list[Prepared] = []
    for start in range(0, len(rows), 256):
        batch = [Article(str(r["id"]), str(r["text"])) for r in rows[start : start + 256]]
        found.extend(prepare_batch(batch, config))
    return found


def _item(p: Prepared) -> tuple[Article, list[int], Any]:
    return p.article, index_keys(p), (p.paragraphs, p.units)


def _file_bytes(path: Path) -> int:
    """The database file's size once the write-ahead log is folded into it (the log
    itself is scratch space, as large as the largest transaction)."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


async def _latencies(store: Store, queries: Sequence[Prepared], config: DetectorConfig) -> Any:
    lookup, whole = [], []
    for p in queries:
        keys = [int(k) for k in p.lookup_keys()]
        started = time.perf_counter()
        await store.lookup(keys)
        lookup.append(time.perf_counter() - started)
        started = time.perf_counter()
        await match_prepared(store, p, config)
        whole.append(time.perf_counter() - started)
    return {"lookup_ms": _quantiles(lookup), "match_ms": _quantiles(whole)}


def _quantiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "p50": round(statistics.median(ms), 2),
        "p99": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 2),
    }


async def loaded(
    folder: Path, prepared: Sequence[Prepared], config: DetectorConfig, *, window: int
) -> Any:
    """``window`` upserts in flight at once into a fresh file: 1 is one client of
    ``redite serve`` (each upsert committed before the next); more is concurrent POSTs or
    the bulk endpoint, whose waiting upserts the store commits together."""
    path = folder / f"window-{window}.db"
    store = open_store(f"sqlite:///{path}", config)
    gate = asyncio.Semaphore(window)

    async def one(p: Prepared) -> None:
        async with gate:
            await store.upsert(*_item(p))

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one(p) for p in prepared))
        seconds = time.perf_counter() - started
    finally:
        await store.close()
    return {"articles": len(prepared), "in_flight": window, "seconds": round(seconds, 2),
            "articles_per_s": round(len(prepared) / seconds, 1)}  # fmt: skip


async def batched(
    folder: Path,
    prepared: Sequence[Prepared],
    config: DetectorConfig,
    *,
    batch: int,
    checkpoints: Sequence[int],
) -> list[dict[str, Any]]:
    path = folder / "batched.db"
    store = open_store(f"sqlite:///{path}", config)
    rows: list[dict[str, Any]] = []
    try:
        done, last = 0, time.perf_counter()
        for checkpoint in checkpoints:
            while done < checkpoint:
                chunk = prepared[done : min(done + batch, checkpoint)]
                await store.upsert_many([_item(p) for p in chunk])
                done += len(chunk)
            seconds = time.perf_counter() - last  # the clock stops before measuring
            step = checkpoint - (rows[-1]["articles"] if rows else 0)
            # Queries among the indexed articles (they find at least themselves).
            queries = prepared[: checkpoint : max(1, checkpoint // QUERIES)][:QUERIES]
            timing = await _latencies(store, queries, config)
            row = {
                "articles": checkpoint,
                "articles_per_s": round(step / seconds, 1),
                "bytes_per_article": round(_file_bytes(path) / checkpoint),
                **timing,
            }
            _log(f"  {checkpoint:,} articles: {row}")
            rows.append(row)
            last = time.perf_counter()
    finally:
        await store.close()
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    config = DetectorConfig()
    _log(f"preparing {args.articles:,} generated articles")
    prepared = prepared_articles(args.articles, args.seed, config)
    steps = max(1, args.checkpoints)
    checkpoints = sorted({args.articles * (i + 1) // steps for i in range(steps)})
    with tempfile.TemporaryDirectory(prefix="redite-embedded-", dir=args.dir) as tmp:
        _log(f"one upsert at a time: {args.single:,} articles")
        single = asyncio.run(loaded(Path(tmp), prepared[: args.single], config, window=1))
        _log(f"  {single}")
        _log(f"{WINDOW} upserts in flight: {args.single:,} articles")
        flight = asyncio.run(loaded(Path(tmp), prepared[: args.single], config, window=WINDOW))
        _log(f"  {flight}")
        _log(f"upsert_many, {args.batch} a transaction: {args.articles:,} articles")
        rows = asyncio.run(
            batched(Path(tmp), prepared, config, batch=args.batch, checkpoints=checkpoints)
        )
    first = next((r for r in rows if r["articles"] >= args.single), rows[0])
    return {
        "benchmark": "embedded",
        "command": "python -m benchmarks.embedded " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "commit": git_commit(),
        "batch": args.batch,
        "one_at_a_time": single,
        "in_flight": flight,
        "batched": rows,
        "batched_over_single": round(first["articles_per_s"] / single["articles_per_s"], 2),
    }


def render_markdown(result: dict[str, Any]) -> str:
    """The section of BENCHMARKS.md."""
    m, single = result["machine"], result["one_at_a_time"]
    first = next(
        (r for r in result["batched"] if r["articles"] >= single["articles"]), result["batched"][0]
    )
    out = [
        "## Embedded store: SQLite",
        "",
        f"Command: `{result['command']}` ({result['date']}, commit {result['commit']}).",
        "",
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory')}; "
        f"Python {m.get('python')}.",
        "",
        "Generated 3 KB articles into a fresh SQLite file (WAL, `synchronous=FULL`), "
        "prepared before the clocks start. One upsert at a time, each committed before "
        f"the next (one client of `redite serve`): {single['articles_per_s']:,.0f} articles/s "
        f"over the first {single['articles']:,}"
        + (
            f"; {result['in_flight']['in_flight']} at a time in flight, which the store "
            f"commits together: {result['in_flight']['articles_per_s']:,.0f} articles/s"
            if "in_flight" in result
            else ""
        )
        + f". In transactions of {result['batch']} "
        "(`upsert_many`, what `redite dedupe --index` does): "
        f"{result['batched_over_single']:.1f}x that over the first {first['articles']:,}, "
        "and as the file grows:",
        "",
        "| indexed articles | ingest since the last row (articles/s) | file bytes per article "
        "| lookup p50 / p99 (ms) | match p50 / p99 (ms) |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in result["batched"]:
        out.append(
            f"| {r['articles']:,} | {r['articles_per_s']:,.0f} | {r['bytes_per_article']:,} "
            f"| {r['lookup_ms']['p50']} / {r['lookup_ms']['p99']} "
            f"| {r['match_ms']['p50']} / {r['match_ms']['p99']} |"
        )
    out += ["", *(f"- {note}" for note in result.get("notes", []))]
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.embedded", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--articles", type=int, default=30_000,
                        help="articles loaded in batches (default 30,000)")  # fmt: skip
    parser.add_argument("--single", type=int, default=3_000,
                        help="articles loaded one upsert at a time (default 3,000)")  # fmt: skip
    parser.add_argument("--batch", type=int, default=256, help="articles a transaction")
    parser.add_argument("--checkpoints", type=int, default=6, help="rows of the table")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", default=None, help="where the SQLite files go (a temp folder)")
    parser.add_argument("--out", type=Path, default=None, help="write the result JSON here")
    args = parser.parse_args(argv)
    if min(args.articles, args.single, args.batch, args.checkpoints) < 1:
        parser.error("--articles, --single, --batch and --checkpoints must be at least 1")
    args.single = min(args.single, args.articles)
    result = run(args)
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
