"""Benchmark of ``redite dedupe``: accuracy, and scale from 10k to 1M articles.

- **Accuracy.** The composed corpus of the accuracy benchmark, scored for the engine
  (``redite check``'s ``check_corpus``) and for the batch job on the same articles; the
  impresso passages through the batch job.
- **Scale.** Generated corpora (``benchmarks.scale``: about 3 KB an article, 4% of them
  republished with edits) of each ``--sizes``, through ``redite dedupe`` in a
  subprocess: wall time, articles/s, peak memory of the whole process tree (sampled
  every 0.2 s), and how many planted copies land in their original's cluster.
- **Against an archive.** The nightly job: an archive of ``--against-sizes`` articles
  put into a Redis store (``--against STORE --index``, a redis-server the benchmark
  starts), then tonight's articles matched against it and added; each night's time
  by step.
- **Side by side.** datasketch's per-paragraph recipe (word 5-grams, 128 permutations,
  MinHashLSH at 0.5, as in the accuracy benchmark) on the ``--datasketch-size`` corpus,
  in a subprocess measured the same way, and ``redite dedupe`` on it again, in
  ``--rounds`` rounds that take turns at going first; the ratio is the median of the
  rounds' ratios (these shared machines drift by a fifth within half an hour).

Example::

    python -m benchmarks.dedupe --out benchmarks/results/dedupe.json    # 45 to 60 minutes
    python -m benchmarks.dedupe --quick                                  # about a minute
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from benchmarks.accuracy import run_composed, run_impresso
from benchmarks.corpus import CorpusParams, generate
from benchmarks.machine import git_commit, machine, write_result
from benchmarks.scale import ScaleParams, write
from detector.model import (
    Article,
    ArticleReport,
    InternalRepeats,
    Match,
    Passage,
    RepeatSpan,
)

CACHE = Path(__file__).resolve().parent / "results" / "tmp" / "scale"
TARGETS = {"f1": 0.98, "precision": 0.99, "ari": 0.97, "impresso_recall": 0.92,
           "seconds_1m": 900.0, "peak_gib_1m": 6.0, "datasketch_ratio": 5.0}  # fmt: skip


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# the batch job as a detector of the accuracy benchmark -----------------------------------


def dedupe_reports(
    articles: Sequence[Article], jobs: int | None = None, preset: str = "news"
) -> list[ArticleReport]:
    """Run the batch job on ``articles`` (with the detector ``preset``) and read its
    pairs and repeats back as ``redite check`` reports (each pair from both sides), in
    input order."""
    from detector.config import DetectorConfig  # noqa: PLC0415
    from service.batch.executors import LocalExecutor, default_jobs  # noqa: PLC0415
    from service.batch.job import JobOptions, run_job  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="redite-dedupe-") as tmp:
        path = Path(tmp, "corpus.jsonl")
        path.write_text(
            "".join(json.dumps(a.to_json(), ensure_ascii=False) + "\n" for a in articles),
            encoding="utf-8",
        )
        executor = LocalExecutor(jobs or default_jobs())
        try:
            run_job(
                JobOptions(inputs=[str(path)], out=tmp, config=DetectorConfig.preset(preset)),
                executor,
                lambda step, total: lambda: None,
                lambda message: None,
            )
        finally:
            executor.close()
        pairs = _jsonl(Path(tmp, "pairs.jsonl"))
        repeats = {row["id"]: row for row in _jsonl(Path(tmp, "repeats.jsonl"))}
    by_id = {a.id: a for a in articles}
    matches: dict[str, list[Match]] = {a.id: [] for a in articles}
    for row in pairs:
        for mine, theirs, flip in ((row["a"], row["b"], False), (row["b"], row["a"], True)):
            passages = tuple(
                Passage(
                    tuple(p["b_span"] if flip else p["a_span"]),
                    tuple(p["a_span"] if flip else p["b_span"]),
                    p["similarity"],
                )
                for p in row["passages"]
            )
            other = by_id[theirs]
            matches[mine].append(
                Match(
                    id=theirs,
                    kind=row["kind"],
                    score=row["score"],
                    query_coverage=row["b_coverage" if flip else "a_coverage"],
                    match_coverage=row["a_coverage" if flip else "b_coverage"],
                    passages=passages,
                    source=other.source,
                    published_at=other.published_at,
                )
            )
    return [
        ArticleReport(
            id=a.id,
            internal_repeats=_repeats(repeats.get(a.id)),
            matches=tuple(matches[a.id]),
        )
        for a in articles
    ]


def _repeats(row: dict[str, Any] | None) -> InternalRepeats:
    if row is None:
        return InternalRepeats()
    spans = tuple(RepeatSpan(tuple(s["first"]), tuple(s["repeat"])) for s in row["spans"])
    return InternalRepeats(row["fraction"], spans)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# scale -----------------------------------------------------------------------------------


class PeakMemory:
    """The largest total RSS of a process and its descendants, sampled in a thread, and
    the largest total of their anonymous memory (RSS less file-backed pages, such as
    memory-mapped files the kernel can drop)."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.peak = 0
        self.peak_anonymous = 0
        self._root = psutil.Process(pid)
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self._root, *self._root.children(recursive=True)]
                total = anonymous = 0
                for process in tree:
                    with contextlib.suppress(psutil.Error):  # it may have just ended
                        info = process.memory_info()
                        total += info.rss
                        anonymous += info.rss - info.shared
                self.peak = max(self.peak, total)
                self.peak_anonymous = max(self.peak_anonymous, anonymous)
            except psutil.Error:
                return
            self._stop.wait(self._every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def measured(command: Sequence[str]) -> dict[str, Any]:
    """Run ``command``; its wall time and peak memory (whole tree), or raise."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = PeakMemory(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{err.decode()[-2000:]}")
    return {
        "seconds": seconds,
        "peak_rss_bytes": peak,
        "peak_anonymous_bytes": sampler.peak_anonymous,
        "stdout": out.decode(),
        "stderr": err.decode(),
    }


def corpus_for(size: int, seed: int) -> tuple[Path, dict[str, int]]:
    """The generated corpus of ``size`` articles (cached under benchmarks/results/tmp)."""
    path = CACHE / f"scale-{size}-{seed}.jsonl"
    info = path.with_suffix(".json")
    if not path.is_file() or not info.is_file():
        _log(f"generating {size:,} articles")
        info.parent.mkdir(parents=True, exist_ok=True)
        info.write_text(json.dumps(write(ScaleParams(size, seed=seed), path)))
    return path, json.loads(info.read_text())


def planted_recall(out: Path, truth: Path) -> dict[str, Any]:
    """How many planted copies share a cluster with their original."""
    cluster_of: dict[str, int] = {}
    for row in _jsonl(out / "clusters.jsonl"):
        for member in row["members"]:
            cluster_of[member] = row["cluster"]
    planted = [line.split("\t") for line in truth.read_text().splitlines()]
    found = sum(
        1
        for copy, original in planted
        if copy in cluster_of and cluster_of.get(original) == cluster_of[copy]
    )
    return {"planted": len(planted), "found": found, "recall": found / max(len(planted), 1)}


def run_scale(size: int, seed: int, jobs: int | None) -> dict[str, Any]:
    path, info = corpus_for(size, seed)
    out = CACHE / f"out-{size}"
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "service", "dedupe", str(path), "--out", str(out), "--quiet"]
    if jobs:
        command += ["--jobs", str(jobs)]
    _log(f"redite dedupe on {size:,} articles")
    run = measured(command)
    recall = planted_recall(out, path.with_name(path.stem + ".copies.tsv"))
    work = sum(f.stat().st_size for f in (out / ".work").rglob("*") if f.is_file())
    shutil.rmtree(out / ".work", ignore_errors=True)
    result = {
        "articles": info["articles"],
        "planted_copies": info["copies"],
        "megabytes": path.stat().st_size / 1e6,
        "seconds": round(run["seconds"], 1),
        "articles_per_s": info["articles"] / run["seconds"],
        "peak_rss_bytes": run["peak_rss_bytes"],
        "peak_anonymous_bytes": run["peak_anonymous_bytes"],
        "work_dir_bytes": work,
        "planted": recall,
        "summary": run["stderr"].strip().splitlines(),
    }
    peak = run["peak_rss_bytes"] / 2**30
    _log(f"  {result['seconds']} s, {result['articles_per_s']:,.0f} articles/s, "
         f"peak {peak:.2f} GiB, planted recall {recall['recall']:.3f}")  # fmt: skip
    return result


def datasketch_only(path: Path) -> None:
    """(In a subprocess.) The per-paragraph datasketch recipe over a corpus file."""
    from benchmarks.baselines import paragraph_lsh  # noqa: PLC0415
    from service.readers import read_inputs  # noqa: PLC0415

    articles = [item.article for item in read_inputs([str(path)])]
    reports = paragraph_lsh(articles)
    related = sum(len(r.matches) for r in reports) // 2
    print(json.dumps({"articles": len(articles), "related_pairs": related}))


def run_datasketch(size: int, seed: int) -> dict[str, Any]:
    path, info = corpus_for(size, seed)
    _log(f"datasketch per-paragraph recipe on {size:,} articles")
    run = measured([sys.executable, "-m", "benchmarks.dedupe", "--datasketch-only", str(path)])
    found = json.loads(run["stdout"])
    result = {
        "articles": info["articles"],
        "seconds": round(run["seconds"], 1),
        "articles_per_s": info["articles"] / run["seconds"],
        "peak_rss_bytes": run["peak_rss_bytes"],
        "peak_anonymous_bytes": run["peak_anonymous_bytes"],
        "related_pairs": found["related_pairs"],
    }
    _log(f"  {result['seconds']} s, {result['articles_per_s']:,.0f} articles/s")
    return result


def side_by_side(size: int, seed: int, jobs: int | None, rounds: int) -> list[dict[str, Any]]:
    """datasketch's recipe and ``redite dedupe`` on the same corpus, ``rounds`` times,
    each going first in turn; each round's ratio of throughputs (redite / datasketch)."""
    found = []
    for number in range(rounds):
        _log(f"side by side, round {number + 1} of {rounds}")
        if number % 2 == 0:
            datasketch, redite = run_datasketch(size, seed), run_scale(size, seed, jobs)
        else:
            redite, datasketch = run_scale(size, seed, jobs), run_datasketch(size, seed)
        ratio = datasketch["seconds"] / redite["seconds"]
        found.append({"datasketch": datasketch, "redite": redite, "ratio": ratio})
    return found


def run_against(
    size: int, archive: int, tonight: int, seed: int, jobs: int | None
) -> dict[str, Any]:
    """Two nights of ``redite dedupe --against redis://... --index`` on slices of the
    generated corpus of ``size``: the first night fills the archive, the second matches
    tonight's articles against it and adds them."""
    from tests.service.redis_servers import RedisServer  # noqa: PLC0415  # starts redis

    path, _ = corpus_for(size, seed)
    with path.open("rb") as corpus:  # only the lines the two nights take
        lines = list(itertools.islice(corpus, archive + tonight))
    nights = []
    with tempfile.TemporaryDirectory() as folder, RedisServer() as server:
        for night, (start, count) in enumerate(((0, archive), (archive, tonight))):
            part = Path(folder, f"night{night}.jsonl")
            part.write_bytes(b"".join(lines[start : start + count]))
            out = Path(folder, f"out{night}")
            command = [sys.executable, "-m", "service", "dedupe", str(part), "--out", str(out),
                       "--against", server.url, "--index", "--quiet"]  # fmt: skip
            if jobs:
                command += ["--jobs", str(jobs)]
            _log(f"redite dedupe --against --index: {count:,} articles, night {night}")
            run = measured(command)
            found = sum(1 for row in _jsonl(out / "pairs.jsonl") if row.get("against"))
            nights.append({
                "articles": count,
                "archive_before": start,
                "seconds": round(run["seconds"], 1),
                "peak_rss_bytes": run["peak_rss_bytes"],
                "pairs_against_archive": found,
                "summary": run["stderr"].strip().splitlines(),
            })  # fmt: skip
            _log(f"  {nights[-1]['seconds']} s, {found:,} pairs with the archive")
    return {"redis": "redis-server on the same machine", "nights": nights}


# the run ---------------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> dict[str, Any]:
    commit = git_commit()  # the code measured: the run may outlast later commits
    corpus = generate(CorpusParams(articles=args.articles, source=args.source), args.data)
    _log(f"accuracy: composed corpus of {len(corpus.articles)} articles")
    accuracy = run_composed(corpus, ["engine", "dedupe"])
    impresso = (
        {"skipped": "--quick"} if args.quick else run_impresso(["dedupe", "dedupe_ocr"], args.data)
    )
    scale = [run_scale(size, args.seed, args.jobs) for size in args.sizes]
    against = None
    if args.against_sizes:
        archive, tonight = args.against_sizes
        # Slices of a corpus the scale runs generated already, when one is large enough.
        size = min((n for n in args.sizes if n >= archive + tonight), default=archive + tonight)
        against = run_against(size, archive, tonight, args.seed, args.jobs)
    rounds = side_by_side(args.datasketch_size, args.seed, args.jobs, args.rounds)
    middle = sorted(rounds, key=lambda r: r["datasketch"]["seconds"])[len(rounds) // 2]
    return {
        "benchmark": "dedupe",
        "command": "python -m benchmarks.dedupe " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "machine": machine(),
        "commit": commit,
        "accuracy": {
            "corpus_articles": len(corpus.articles),
            "composed": accuracy,
            "impresso": impresso,
        },
        "scale": scale,
        "against": against,
        "datasketch": middle["datasketch"],
        "side_by_side": [
            {
                "redite_seconds": r["redite"]["seconds"],
                "datasketch_seconds": r["datasketch"]["seconds"],
                "ratio": r["ratio"],
            }
            for r in rounds
        ],
        "datasketch_ratio": statistics.median(r["ratio"] for r in rounds),
        "targets": TARGETS,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.dedupe",
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join((__doc__ or "").split("\n\n")[1:]),
    )
    parser.add_argument("--out", type=Path, default=None, help="write the result JSON here")
    parser.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")],
                        default=[10_000, 100_000, 1_000_000],
                        help="corpus sizes, comma-separated (default: %(default)s)")  # fmt: skip
    parser.add_argument("--datasketch-size", type=int, default=100_000,
                        help="the size run through datasketch too (one of --sizes)")  # fmt: skip
    parser.add_argument("--articles", type=int, default=1500, help="composed corpus size")
    parser.add_argument("--source", choices=("auto", "impresso", "synthetic"), default="auto")
    parser.add_argument("--data", type=Path, default=None, help="impresso passages.jsonl.gz")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="redite dedupe --jobs")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds with datasketch (default: %(default)s)")  # fmt: skip
    parser.add_argument("--against-sizes", type=lambda v: [int(x) for x in v.split(",")],
                        default=[20_000, 5_000],
                        help="ARCHIVE,TONIGHT articles for the nightly job against a Redis "
                        "archive (0,0 to skip; default: %(default)s)")  # fmt: skip
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, no impresso: checks the script runs")  # fmt: skip
    parser.add_argument("--datasketch-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.datasketch_only is not None:
        datasketch_only(args.datasketch_only)
        return 0
    if args.quick:
        args.sizes, args.datasketch_size, args.articles = [2000, 5000], 5000, 300
        args.rounds = 1
        args.against_sizes = [2000, 500]
    if not any(args.against_sizes):
        args.against_sizes = None
    elif len(args.against_sizes) != 2:
        parser.error("--against-sizes takes two numbers: ARCHIVE,TONIGHT")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.datasketch_size not in args.sizes:
        parser.error("--datasketch-size must be one of --sizes")
    result = measure(args)
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
