"""The dedupe job end to end: the same answers as redite check, byte-identical outputs
whatever the engine, jobs or partitions, resuming after an interruption, the report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.corpus import CorpusParams, generate
from detector.config import DetectorConfig
from detector.corpus import check_corpus
from detector.model import Article
from service.batch.executors import DaskExecutor, Executor, LocalExecutor
from service.batch.job import JobOptions, Summary, _write_deduped, run_job
from service.batch.steps import Plan, write_partition

OUTPUTS = ("pairs.jsonl", "clusters.jsonl", "repeats.jsonl", "deduped.jsonl", "report.html")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Article]]:
    articles = generate(CorpusParams(articles=160, source="synthetic", seed=3)).articles
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    path.write_text(
        "".join(json.dumps(a.to_json(), ensure_ascii=False) + "\n" for a in articles),
        encoding="utf-8",
    )
    return path, list(articles)


def _silent(step: str, total: int) -> Callable[[], None]:
    del step, total
    return lambda: None


def dedupe(
    inputs: list[str],
    out: Path,
    executor: Executor | None = None,
    *,
    partition_size: int = 50,
    resume: bool = False,
    against: str | None = None,
    index: bool = False,
    progress: Callable[[str, int], Callable[[], None]] = _silent,
    said: list[str] | None = None,
) -> Summary:
    executor = executor or LocalExecutor(1)
    try:
        return run_job(
            JobOptions(
                inputs=inputs,
                out=str(out),
                partition_size=partition_size,
                against=against,
                index=index,
            ),
            executor,
            progress,
            (said if said is not None else []).append,
            resume=resume,
        )
    finally:
        executor.close()


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def test_the_job_reports_the_pairs_and_kinds_redite_check_reports(
    corpus: tuple[Path, list[Article]], tmp_path: Path
) -> None:
    path, articles = corpus
    summary = dedupe([str(path)], tmp_path / "out")
    expected = {
        (min(r.id, m.id), max(r.id, m.id)): m.kind
        for r in check_corpus(articles)
        for m in r.matches
    }
    rows = jsonl(tmp_path / "out" / "pairs.jsonl")
    found = {(min(r["a"], r["b"]), max(r["a"], r["b"])): r["kind"] for r in rows}
    assert found == expected
    assert summary.articles == len(articles)
    assert sum(summary.pairs.values()) == len(expected)
    for row in rows:
        a, b = (next(x for x in articles if x.id == row[side]) for side in ("a", "b"))
        for passage in row["passages"]:
            (a0, a1), (b0, b1) = passage["a_span"], passage["b_span"]
            assert 0 <= a0 < a1 <= len(a.text)
            assert 0 <= b0 < b1 <= len(b.text)


def test_clusters_and_the_deduped_corpus_agree(
    corpus: tuple[Path, list[Article]], tmp_path: Path
) -> None:
    path, articles = corpus
    summary = dedupe([str(path)], tmp_path / "out")
    clusters = jsonl(tmp_path / "out" / "clusters.jsonl")
    kept = [row["id"] for row in jsonl(tmp_path / "out" / "deduped.jsonl")]
    dropped = {m for c in clusters for m in c["members"] if m != c["original"]}
    assert all(c["original"] in c["members"] and len(c["members"]) >= 2 for c in clusters)
    assert kept == [a.id for a in articles if a.id not in dropped]
    assert summary.deduped == len(kept) == len(articles) - summary.copies
    for c in clusters:  # the original is the earliest dated member, else the first seen
        members = [next(a for a in articles if a.id == m) for m in c["members"]]
        dated = [a for a in members if a.published_at is not None]
        if dated:
            assert c["original"] == min(dated, key=lambda a: a.published_at).id  # type: ignore[arg-type,return-value]


def test_outputs_are_byte_identical_across_jobs_and_partitions(
    corpus: tuple[Path, list[Article]], tmp_path: Path
) -> None:
    path, _ = corpus
    dedupe([str(path)], tmp_path / "one")
    dedupe([str(path)], tmp_path / "two", LocalExecutor(2), partition_size=37)
    assert outputs(tmp_path / "one") == outputs(tmp_path / "two")


@pytest.mark.slow
def test_dask_local_cluster_gives_the_local_engines_output(
    corpus: tuple[Path, list[Article]], tmp_path: Path
) -> None:
    path, _ = corpus
    dedupe([str(path)], tmp_path / "local")
    dedupe([str(path)], tmp_path / "dask", DaskExecutor(None, 2))
    assert outputs(tmp_path / "local") == outputs(tmp_path / "dask")


class Stop(Exception):
    """Stands for a job killed halfway."""


def test_an_interrupted_job_resumes_from_its_finished_tasks(
    corpus: tuple[Path, list[Article]], tmp_path: Path
) -> None:
    path, _ = corpus
    dedupe([str(path)], tmp_path / "whole")
    ticks = {"n": 0}

    def stop_in_candidates(step: str, total: int) -> Callable[[], None]:
        def tick() -> None:
            if step == "candidates":
                ticks["n"] += 1
                if ticks["n"] == 2:
                    raise Stop

        return tick

    with pytest.raises(Stop):
        dedupe([str(path)], tmp_path / "out", progress=stop_in_candidates)
    said: list[str] = []
    summary = dedupe([str(path)], tmp_path / "out", resume=True, said=said)
    assert said[0].startswith("resuming the job in")
    assert "fingerprint 4/4" in said[1]
    assert "candidates 2/4" in said[1]
    assert summary.resumed[0] == "read"
    assert outputs(tmp_path / "out") == outputs(tmp_path / "whole")


def test_resume_refuses_work_done_for_other_inputs(
    corpus: tuple[Path, list[Article]], tmp_path: Path
) -> None:
    path, _ = corpus
    dedupe([str(path)], tmp_path / "out")
    other = tmp_path / "other.jsonl"
    other.write_text('{"id": "x", "text": "Autre chose."}\n')
    from service.batch.executors import JobError  # noqa: PLC0415

    with pytest.raises(JobError, match="other inputs or parameters"):
        dedupe([str(other)], tmp_path / "out", resume=True)
    said: list[str] = []
    dedupe([str(other)], tmp_path / "fresh", resume=True, said=said)
    assert "nothing finished to resume" in said[0]


def test_resume_refuses_work_done_with_other_parameters(
    corpus: tuple[Path, list[Article]], tmp_path: Path
) -> None:
    """Verification parameters do not shape band keys, but the pairs found depend on
    them: a job resumed under another preset must not mix the two."""
    path, _ = corpus
    dedupe([str(path)], tmp_path / "out")
    from service.batch.executors import JobError  # noqa: PLC0415

    options = JobOptions(
        inputs=[str(path)],
        out=str(tmp_path / "out"),
        partition_size=50,
        config=DetectorConfig(common_passage_chars=100),
    )
    executor = LocalExecutor(1)
    try:
        with pytest.raises(JobError, match="other inputs or parameters"):
            run_job(options, executor, _silent, print, resume=True)
    finally:
        executor.close()


def test_resume_refuses_work_of_another_format(
    corpus: tuple[Path, list[Article]], tmp_path: Path
) -> None:
    path, _ = corpus
    dedupe([str(path)], tmp_path / "out")
    state_path = tmp_path / "out" / ".work" / "state.json"
    state = json.loads(state_path.read_text())
    del state["version"]  # as redite wrote it before the work format had a version
    state_path.write_text(json.dumps(state))
    from service.batch.executors import JobError  # noqa: PLC0415

    with pytest.raises(JobError, match=re.escape("another version of redite (work format 1")):
        dedupe([str(path)], tmp_path / "out", resume=True)


def test_duplicate_ids_are_skipped_and_reported(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "Un."}\n{"id": "y", "text": "Deux."}\n')
    (tmp_path / "b.jsonl").write_text('{"id": "x", "text": "Trois."}\n')
    summary = dedupe(["a.jsonl", "b.jsonl"], tmp_path / "out")
    assert summary.articles == 2
    assert summary.duplicate_ids == 1
    assert summary.duplicate_examples == ["b.jsonl:1: id 'x' already used by a.jsonl:1"]


def test_the_deduped_corpus_keeps_long_integers_in_metadata(tmp_path: Path) -> None:
    # Each article goes through the work directory's JSON lines (service.jsonl).
    big = 2**70 + 1
    line = '{"id": 12345678901234567890123, "text": "Un.", "metadata": {"n": %d, "f": 1e-07}}'
    (tmp_path / "in.jsonl").write_text(line % big + "\n")
    dedupe(["in.jsonl"], tmp_path / "out")
    [row] = jsonl(tmp_path / "out" / "deduped.jsonl")
    assert row["id"] == "12345678901234567890123"
    assert row["metadata"] == {"n": big, "f": 1e-07}


def test_an_empty_input_gives_empty_outputs(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    summary = dedupe(["empty.jsonl"], tmp_path / "out")
    assert summary.articles == 0
    assert (tmp_path / "out" / "pairs.jsonl").read_bytes() == b""
    assert b"no clusters" in (tmp_path / "out" / "report.html").read_bytes()


def test_the_report_is_one_self_contained_page(
    corpus: tuple[Path, list[Article]], tmp_path: Path
) -> None:
    path, _ = corpus
    dedupe([str(path)], tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3
    assert "Who republishes whom" in page
    assert "republication rate" in page
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_tonight_against_everything_seen_before(
    corpus: tuple[Path, list[Article]],
    tmp_path: Path,
    kind: str,
    request: pytest.FixtureRequest,
) -> None:
    _, articles = corpus
    nights = [articles[:80], articles[80:]]
    for n, night in enumerate(nights):
        (tmp_path / f"night{n}.jsonl").write_text(
            "".join(json.dumps(a.to_json(), ensure_ascii=False) + "\n" for a in night),
            encoding="utf-8",
        )
    if kind == "sqlite":
        store = f"sqlite:///{tmp_path / 'index.db'}"
    else:
        store = request.getfixturevalue("fresh_redis_server").url
    first = dedupe(["night0.jsonl"], tmp_path / "out0", against=store, index=True)
    assert first.archive_pairs == {}
    second = dedupe(["night1.jsonl"], tmp_path / "out1", against=store, index=True)

    earlier = {a.id for a in nights[0]}
    expected = {
        (r.id, m.id)
        for r in check_corpus(articles)
        if r.id not in earlier
        for m in r.matches
        if m.id in earlier
    }
    rows = jsonl(tmp_path / "out1" / "pairs.jsonl")
    against = {(r["a"], r["b"]) for r in rows if r.get("against")}
    assert against == expected
    assert sum(second.archive_pairs.values()) == len(expected)
    clusters = jsonl(tmp_path / "out1" / "clusters.jsonl")
    kept = {r["id"] for r in jsonl(tmp_path / "out1" / "deduped.jsonl")}
    copies_of_the_past = {
        m for c in clusters if c["original"] in earlier for m in c["members"] if m not in earlier
    }
    assert copies_of_the_past
    assert not copies_of_the_past & kept


@pytest.mark.parametrize(
    "dropped",
    [set(), {0}, {6}, {0, 1, 2}, {2, 3}, {3, 4, 5}, {0, 2, 4, 6}, set(range(7))],
)
def test_the_deduped_corpus_copies_every_line_but_the_dropped(
    tmp_path: Path, dropped: set[int]
) -> None:
    # Partitions of three lines (the last of one): dropped lines at their edges, runs
    # of them, whole partitions.
    articles = [Article(f"a{n}", f"Texte numéro {n} é" * (n + 1)) for n in range(7)]
    plan = Plan(str(tmp_path), DetectorConfig(), partitions=3, partition_size=3, shard_bits=2)
    for number in range(3):
        write_partition(plan.work, number, articles[3 * number : 3 * number + 3])
    out = tmp_path / "deduped.jsonl"
    written = _write_deduped(plan, out, dropped, _silent)
    kept = [json.loads(line)["id"] for line in out.read_bytes().splitlines()]
    assert kept == [a.id for n, a in enumerate(articles) if n not in dropped]
    assert written == len(kept)


def test_the_deduped_corpus_is_copied_where_the_kernel_does_not_copy_ranges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr("os.copy_file_range", raising=False)
    test_the_deduped_corpus_copies_every_line_but_the_dropped(tmp_path, {1, 4})
