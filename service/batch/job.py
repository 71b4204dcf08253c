"""``redite dedupe``: the nightly batch job, from inputs to the files in ``--out``.

The job reads its inputs once into partitions, runs the steps of
:mod:`service.batch.steps` through an executor, then writes (see docs/batch.md):

- ``pairs.jsonl``     every verified pair, once, ``a`` the one seen first;
- ``clusters.jsonl``  articles joined by duplicate or republication relations, with the
  original (earliest ``published_at``, else first seen);
- ``repeats.jsonl``   articles with internal repetition;
- ``deduped.jsonl``   the corpus without the copies: every cluster's original and every
  article in no cluster, in input order;
- ``report.html``     the summary, plots and who-republishes-whom, in one file.

The same inputs and parameters give byte-identical files, whatever the engine, the
number of jobs or an interruption on the way. The work directory ``--out/.work`` keeps
what finished tasks wrote, so that ``--resume`` picks up where a job stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import numpy as np

from detector.cluster import clusters
from detector.config import DetectorConfig
from detector.model import Article
from service import jsonl
from service.batch import steps
from service.batch.executors import Executor, JobError, Step, Task
from service.batch.inputs import Fields, ReadStats, check_inputs, read_articles
from service.batch.steps import Plan, lines_of, write_atomically
from service.report import counted

STATE_VERSION = 3
"""Bumped when the work directory's files change, so that --resume refuses an old one."""
RELATED = ("duplicate", "republication")


@dataclass(frozen=True, slots=True)
class JobOptions:
    """Everything that shapes a job's results (and what does not: jobs, engine, quiet)."""

    inputs: Sequence[str]
    out: str
    fields: Fields = field(default_factory=Fields)
    skip_invalid: bool = False
    partition_size: int = 2_000
    config: DetectorConfig = field(default_factory=DetectorConfig)
    against: str | None = None
    """A store (URL) the corpus is also matched against: the archive."""
    index: bool = False
    """Add the corpus to ``against`` once it has been matched."""

    def fingerprint(self) -> str:
        """A hash of the inputs (paths, sizes, modification times) and parameters."""
        described = {
            "version": STATE_VERSION,
            "inputs": [_describe(path) for path in self.inputs],
            "fields": self.fields.names(),
            "skip_invalid": self.skip_invalid,
            "partition_size": self.partition_size,
            "config": asdict(self.config),  # every parameter, not only the band keys
            "against": self.against,
            "index": self.index,
        }
        return hashlib.sha256(jsonl.dumps(described)).hexdigest()[:16]


def _describe(path: str) -> list[Any]:
    if os.path.isdir(path):
        files = sorted(p for p in Path(path).rglob("*") if p.is_file())
        return [path, [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in files]]
    stat = os.stat(path)
    return [path, stat.st_size, stat.st_mtime_ns]


@dataclass(slots=True)
class Summary:
    """What the job found, for the one-screen summary and the report."""

    articles: int = 0
    invalid: int = 0
    invalid_examples: list[str] = field(default_factory=list)
    duplicate_ids: int = 0
    duplicate_examples: list[str] = field(default_factory=list)
    pairs: dict[str, int] = field(default_factory=dict)
    archive_pairs: dict[str, int] = field(default_factory=dict)
    clusters: int = 0
    clustered: int = 0
    copies: int = 0
    repeats: int = 0
    hot_buckets: int = 0
    deduped: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    resumed: list[str] = field(default_factory=list)


Progress = Callable[[str, int], Callable[[], None]]
"""``progress(step, total)`` opens a progress display and returns its tick."""


def run_job(
    options: JobOptions,
    executor: Executor,
    progress: Progress,
    say: Callable[[str], None],
    *,
    resume: bool = False,
) -> Summary:
    """Run a job, or with ``resume`` continue the one that stopped in ``options.out``;
    ``say`` hears what it decides."""
    check_inputs(options.inputs)
    out = Path(options.out)
    work = out / ".work"
    state = _state(work)
    summary = Summary()
    key = options.fingerprint()
    clock = [time.perf_counter()]
    resumed = resume and state is not None and bool(state.get("read"))
    if resumed:
        assert state is not None
        written = state.get("version", 1)
        if written != STATE_VERSION:
            raise JobError(
                f"the work in {work} was written by another version of redite (work "
                f"format {written}, this one reads {STATE_VERSION}); run without --resume "
                "to start over"
            )
        if state.get("key") != key:
            raise JobError(
                f"the work in {work} was for other inputs or parameters; "
                "run without --resume to start over"
            )
        say(f"resuming the job in {work}")
        summary.resumed.append("read")
    else:
        if resume:
            say(f"nothing finished to resume in {work}; starting from the beginning")
        shutil.rmtree(work, ignore_errors=True)
        state = _read_and_fingerprint(
            options, work, key, executor=executor, progress=progress, summary=summary, clock=clock
        )
    read = state["read"]
    summary.articles = read["articles"]
    summary.invalid = read["invalid"]
    summary.invalid_examples = read["invalid_examples"]
    summary.duplicate_ids = read["duplicate_ids"]
    summary.duplicate_examples = read["duplicate_examples"]
    plan = _plan(options, work, read["partitions"], shard_bits=_shard_bits(summary.articles))
    names = ["group", "candidates", "verify"]
    if resumed:  # else the fingerprint step ran beside the read
        names.insert(0, "fingerprint")
    if options.against is not None:
        names.append("against")
    if options.index:
        names.append("index")
    totals = {name: plan.shards if name == "group" else plan.partitions for name in names}
    pending = {name: _pending(plan, name, _DONE[name][1], totals[name]) for name in names}
    for name in names:
        if len(pending[name]) < totals[name]:
            summary.resumed.append(f"{name} {totals[name] - len(pending[name])}/{totals[name]}")
    if summary.resumed[1:]:
        say("already done: " + ", ".join(summary.resumed[1:]))
    todo = [Step(name, _DONE[name][0], pending[name]) for name in names]
    ticks = [
        _LazyTick(
            progress,
            name,
            totals[name],
            totals[name] - len(pending[name]),
            seconds=summary.seconds,
            clock=clock,
        )
        for name in names
    ]
    threading.Thread(target=_import_report, daemon=True).start()
    executor.run(plan, todo, ticks)
    started = time.perf_counter()
    write_outputs(plan, out, summary, progress)
    summary.seconds["write"] = time.perf_counter() - started
    return summary


def _import_report() -> None:
    """Import the report's module (matplotlib: about a second) while the workers run
    the steps, instead of after them; a failure is met again where it is used."""
    with contextlib.suppress(Exception):
        importlib.import_module("service.batch.report")


_DONE: dict[str, tuple[Task, str]] = {
    "fingerprint": (steps.fingerprint, ".keys.npy"),
    "group": (steps.group, ".json"),
    "candidates": (steps.find_candidates, ".pairs.npy"),
    "verify": (steps.verify, ".jsonl"),
    "against": (steps.match_against, ".jsonl"),
    "index": (steps.index_into, ".done"),
}
"""Each step's task, and the suffix of the file whose presence says that a task is done
(the last file it writes)."""


def _plan(options: JobOptions, work: Path, partitions: int, *, shard_bits: int) -> Plan:
    return Plan(
        work=str(work.resolve()),
        config=options.config,
        partitions=partitions,
        partition_size=options.partition_size,
        shard_bits=shard_bits,
        against=options.against,
    )


def _read_and_fingerprint(
    options: JobOptions,
    work: Path,
    key: str,
    *,
    executor: Executor,
    progress: Progress,
    summary: Summary,
    clock: list[float],
) -> dict[str, Any]:
    """The read step, with each partition handed to the fingerprint step as soon as it
    is written: the workers fingerprint while the driver reads on (the read is one
    process; without this, the other cores would wait for it)."""
    reader = _Reader(options, work, key, progress=progress, summary=summary, clock=clock)
    # Before the read ends, the plan knows neither the partitions nor the key shards:
    # the fingerprint step needs neither.
    early = _plan(options, work, 0, shard_bits=0)
    tick = _LazyTick(
        progress,
        "fingerprint",
        lambda: reader.partitions,
        0,
        seconds=summary.seconds,
        clock=clock,
    )
    executor.run(early, [Step("fingerprint", steps.fingerprint, reader)], [tick])
    assert reader.state is not None
    return reader.state


class _LazyTick:
    """Opens a step's progress display at its first tick (after any resumed tasks), and
    notes in ``seconds`` when the step's last task ended, since ``clock[0]``."""

    def __init__(
        self,
        progress: Progress,
        step: str,
        total: int | Callable[[], int],
        done: int,
        *,
        seconds: dict[str, float],
        clock: list[float],
    ) -> None:
        self._progress, self._step = progress, step
        self._total = total if callable(total) else (lambda: total)
        self._done = done
        self._tick: Callable[[], None] | None = None
        self._seconds, self._clock = seconds, clock

    def __call__(self) -> None:
        if self._tick is None:
            self._tick = self._progress(self._step, self._total())
            for _ in range(self._done):
                self._tick()
        self._tick()
        self._done += 1
        if self._done == self._total():  # the step has ended (steps end in order)
            now = time.perf_counter()
            self._seconds[self._step] = now - self._clock[0]
            self._clock[0] = now


def _state(work: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads((work / "state.json").read_bytes())
    except (OSError, ValueError):
        return None
    return state


def _pending(plan: Plan, step: str, suffix: str, total: int) -> list[int]:
    return [i for i in range(total) if not plan.path(step, i, suffix).exists()]


def _shard_bits(articles: int) -> int:
    """Key shards of about 8 million postings before single-posting buckets are dropped
    (a generated 3 KB article has about 400)."""
    postings = max(articles, 1) * 400
    return max(2, int(np.ceil(np.log2(postings / 8e6))) if postings > 8e6 else 2)


class _Reader:
    """The read step: the inputs into partitions, duplicate ids skipped (the first kept).

    Iterating reads, and yields each partition's number once it is written; at the end,
    ``state`` is what the work directory's ``state.json`` says of the read, and
    ``clock[0]`` the time it ended.
    """

    def __init__(
        self,
        options: JobOptions,
        work: Path,
        key: str,
        *,
        progress: Progress,
        summary: Summary,
        clock: list[float],
    ) -> None:
        self._options, self._work, self._key = options, work, key
        self._progress, self._summary, self._clock = progress, summary, clock
        self.partitions = 0
        self.state: dict[str, Any] | None = None

    def __iter__(self) -> Iterator[int]:
        options, work = self._options, self._work
        started = time.perf_counter()
        work.mkdir(parents=True, exist_ok=True)
        stats = ReadStats()
        seen: dict[str, str] = {}
        duplicates, examples = 0, list[str]()
        batch: list[Article] = []
        tick = self._progress("read", 0)
        for item in read_articles(
            options.inputs, options.fields, skip_invalid=options.skip_invalid, stats=stats
        ):
            where = str(item.location)
            first = seen.setdefault(item.article.id, where)
            if first != where:
                duplicates += 1
                if len(examples) < 5:
                    examples.append(f"{where}: id {item.article.id!r} already used by {first}")
                continue
            batch.append(item.article)
            tick()
            if len(batch) == options.partition_size:
                yield self._write(batch)
                batch = []
        if batch or self.partitions == 0:
            yield self._write(batch)
        self.state = {
            "version": STATE_VERSION,
            "key": self._key,
            "read": {
                "articles": len(seen),
                "partitions": self.partitions,
                "invalid": stats.invalid,
                "invalid_examples": stats.examples,
                "duplicate_ids": duplicates,
                "duplicate_examples": examples,
            },
        }
        write_atomically(work / "state.json", jsonl.dumps(self.state))
        self._clock[0] = time.perf_counter()
        self._summary.seconds["read"] = self._clock[0] - started

    def _write(self, batch: Sequence[Article]) -> int:
        number = self.partitions
        steps.write_partition(str(self._work), number, batch)
        self.partitions += 1
        return number


# outputs ---------------------------------------------------------------------------------


def write_outputs(plan: Plan, out: Path, summary: Summary, progress: Progress) -> None:
    """pairs, clusters, repeats, deduped and the report, from the work directory."""
    from service.batch.report import render_report  # noqa: PLC0415  # matplotlib is slow to import

    ids: list[str] = []
    published: list[float | None] = []
    sources: list[str | None] = []
    for number in range(plan.partitions):
        meta = steps.read_meta(plan, number)
        ids += meta["ids"]
        published += meta["published"]
        sources += meta["sources"]
    when = np.array([np.nan if p is None else p for p in published], dtype=np.float64)

    rows = list(_rows(plan, "verify"))
    archive = list(_rows(plan, "against")) if plan.against is not None else []
    summary.pairs = dict(sorted(Counter(r["kind"] for r in rows).items()))
    summary.archive_pairs = dict(sorted(Counter(r["kind"] for r in archive).items()))
    graph = _Graph(ids, when, sources, archive)
    edges = [graph.edge(r["a"], r["b"]) for r in rows if r["kind"] in RELATED]
    edges += [graph.edge(r["a"], r["b"], archive=True) for r in archive if r["kind"] in RELATED]
    found = clusters(len(graph.names), np.array(edges, dtype=np.int64).reshape(-1, 2), graph.when)
    dropped = {  # corpus articles that copy an earlier one (in the corpus or the archive)
        m - graph.first for c in found for m in c.members if m != c.original and m >= graph.first
    }
    summary.clusters = len(found)
    summary.clustered = sum(m >= graph.first for c in found for m in c.members)
    summary.copies = len(dropped)
    for shard in range(plan.shards):
        group_summary = json.loads(plan.path("group", shard, ".json").read_bytes())
        summary.hot_buckets += group_summary["hot_buckets"]

    named = [{**r, "a": ids[r["a"]], "b": ids[r["b"]]} for r in rows]
    named += [
        {
            **{k: v for k, v in r.items() if not k.startswith("b_")},
            "a": ids[r["a"]],
            "against": True,
        }
        for r in archive
    ]
    _write_lines(out / "pairs.jsonl", named)
    _write_lines(
        out / "clusters.jsonl",
        (
            {
                "cluster": n,
                "original": graph.names[c.original],
                "members": [graph.names[m] for m in c.members],
            }
            for n, c in enumerate(found, 1)
        ),
    )
    repeats = b"".join(
        plan.path("fingerprint", n, ".repeats.jsonl").read_bytes() for n in range(plan.partitions)
    )
    summary.repeats = repeats.count(b"\n")
    write_atomically(out / "repeats.jsonl", repeats)
    # The deduped corpus is mostly reading and writing (the GIL released): it is written
    # beside the report's plots, which keep a core busy.
    summary.deduped = len(ids) - len(dropped)
    with ThreadPoolExecutor(1) as pool:
        deduped = pool.submit(_write_deduped, plan, out / "deduped.jsonl", dropped, progress)
        html = render_report(
            summary=summary,
            rows=rows + archive,
            found=found,
            published=graph.when,
            sources=graph.sources,
        )
        written = deduped.result()
    if written != summary.deduped:
        raise JobError(
            f"deduped.jsonl holds {written:,} articles, not {summary.deduped:,}: the work "
            "directory changed while the outputs were written; run the job again"
        )
    write_atomically(out / "report.html", html.encode("utf-8"))


class _Graph:
    """Nodes of the clustering: the archive articles met (first: seen before the
    corpus, ordered by id), then the corpus in input order."""

    def __init__(
        self,
        ids: list[str],
        when: np.ndarray[Any, np.dtype[np.float64]],
        sources: list[str | None],
        archive: list[dict[str, Any]],
    ) -> None:
        corpus = {article_id: n for n, article_id in enumerate(ids)} if archive else {}
        seen: dict[str, dict[str, Any]] = {}
        for row in archive:
            if row["b"] not in corpus:  # an archive id the corpus has is that article
                seen.setdefault(row["b"], row)
        names = sorted(seen)
        self.first = len(names)
        self._corpus = corpus
        self._archive = {name: n for n, name in enumerate(names)}
        self.names = names + ids
        dates = [seen[n]["b_published_at"] for n in names]
        self.when = np.concatenate(
            (np.array([np.nan if d is None else d for d in dates], dtype=np.float64), when)
        )
        self.sources = [seen[n]["b_source"] for n in names] + sources

    def edge(self, a: int, b: int | str, *, archive: bool = False) -> tuple[int, int]:
        if not archive:
            return self.first + a, self.first + int(b)
        name = str(b)
        if name in self._corpus:
            return self.first + a, self.first + self._corpus[name]
        return self.first + a, self._archive[name]


def _rows(plan: Plan, step: str) -> Iterator[dict[str, Any]]:
    for number in range(plan.partitions):
        with plan.path(step, number, ".jsonl").open("rb") as handle:
            for line in handle:
                yield json.loads(line)


def _write_lines(path: Path, rows: Any) -> None:
    write_atomically(path, lines_of(rows))


def _write_deduped(plan: Plan, path: Path, dropped: set[int], progress: Progress) -> int:
    """The read step's lines, but for the ``dropped`` articles: the runs of lines
    between them are copied as byte ranges (by the kernel where it can), not line by
    line through Python."""
    tick = progress("write", plan.partitions)
    kept = 0
    temporary = path.with_name(path.name + ".tmp")
    gone: dict[int, list[int]] = {}
    for ordinal in sorted(dropped):
        gone.setdefault(ordinal // plan.partition_size, []).append(ordinal % plan.partition_size)
    with temporary.open("wb") as handle:
        for number in range(plan.partitions):
            source = plan.path("read", number, ".jsonl")
            starts = np.load(plan.path("read", number, ".offsets.npy")).tolist()
            with source.open("rb") as lines:
                bounds = [*starts, os.fstat(lines.fileno()).st_size]
                first = 0  # the first line of the run being kept
                for line in [*gone.get(number, []), len(starts)]:
                    if line > first:
                        _copy_range(lines, handle, bounds[first], bounds[line])
                        kept += line - first
                    first = line + 1
            tick()
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return kept


def _copy_range(source: BinaryIO, target: BinaryIO, start: int, end: int) -> None:
    """Append bytes ``[start, end)`` of ``source`` to ``target`` (flushed: the copy
    writes at the file's own position)."""
    target.flush()
    if hasattr(os, "copy_file_range"):
        try:
            while start < end:
                copied = os.copy_file_range(
                    source.fileno(), target.fileno(), end - start, offset_src=start
                )
                if copied == 0:
                    break
                start += copied
        except OSError:  # a file system that does not copy ranges: copy the rest below
            pass
    source.seek(start)
    while start < end:
        chunk = source.read(min(end - start, 1 << 20))
        if not chunk:
            raise JobError(f"{source.name} ended before byte {end}: the work directory changed")
        target.write(chunk)
        start += len(chunk)


def _kinds(counts: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {kind}" for kind, count in counts.items()) or "none"


def print_summary(summary: Summary, out: str, stream: TextIO | None = None) -> None:
    """The one-screen summary at the end of a job."""
    n = max(summary.articles, 1)
    pairs = _kinds(summary.pairs)
    lines = [
        f"redite dedupe: {counted(summary.articles, 'article')}"
        + (f" ({summary.invalid:,} invalid records skipped)" if summary.invalid else "")
        + (f" ({summary.duplicate_ids:,} duplicate ids skipped)" if summary.duplicate_ids else ""),
        f"  related pairs:     {pairs}",
        *(
            [f"  against the index: {_kinds(summary.archive_pairs)}"]
            if summary.archive_pairs
            else []
        ),
        f"  clusters:          {summary.clusters:,} holding "
        f"{counted(summary.clustered, 'article')}; "
        f"{counted(summary.copies, 'copy')} ({summary.copies / n:.1%} of the corpus)",
        f"  internal repeats:  {counted(summary.repeats, 'article')} ({summary.repeats / n:.1%})",
        f"  hot buckets:       {summary.hot_buckets:,} (over the cap, not expanded)",
        f"  deduped corpus:    {counted(summary.deduped, 'article')}",
        f"  time:              {sum(summary.seconds.values()):,.1f} s ("
        + ", ".join(f"{step} {seconds:,.1f}" for step, seconds in summary.seconds.items())
        + ")",
        f"  written to {out}: pairs.jsonl clusters.jsonl repeats.jsonl deduped.jsonl report.html",
    ]
    for example in summary.invalid_examples[:3] + summary.duplicate_examples[:3]:
        lines.append(f"  e.g. {example}")
    print("\n".join(lines), file=stream or sys.stderr)


__all__ = ["JobError", "JobOptions", "Summary", "print_summary", "run_job"]
