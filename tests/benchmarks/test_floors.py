"""The floors benchmark's arithmetic, its do-nothing HTTP phase and its page (no timing)."""

from __future__ import annotations

import asyncio
import json
from itertools import islice
from typing import Any

import pytest

from benchmarks.data import REPO_ROOT
from benchmarks.floors import _summary, ceilings, http_phase, main, render_markdown
from benchmarks.service import articles

RESULT = REPO_ROOT / "benchmarks" / "results" / "floors.json"


def _measured(http_ms: float, prepare_ms: float, redis_ms: float) -> dict[str, Any]:
    def rounds(**best: float) -> dict[str, Any]:  # each round worse than the best
        return {"best": best, "rounds": [best, {k: v * 2 for k, v in best.items()}]}

    return {
        "postings_per_paragraph": 50.0,
        "datasketch": {"session_paragraphs_per_s": 1000.0},
        "http": rounds(
            client_cpu_ms_per_request=http_ms / 2, server_cpu_ms_per_request=http_ms / 2
        ),
        "engine": rounds(prepare_ms_p50=prepare_ms, batch_paragraphs_per_s=10_000.0),
        "read": rounds(redis_cpu_ms_per_query=redis_ms),
        "write": rounds(redis_cpu_us_per_posting=2.0),
    }


def test_little_law_gives_the_budget_and_the_best_rate() -> None:
    out = ceilings(_measured(0.2, 0.3, 0.5), cores=2, concurrency=32)
    match = out["match"]
    assert match["needed_requests_per_s"] == pytest.approx(1600)  # 32 in flight, 20 ms each
    assert match["budget_ms"] == pytest.approx(1.25)  # 2 cores / 1,600 requests/s
    assert match["floor_total_ms"] == pytest.approx(1.0)
    assert match["best_requests_per_s"] == pytest.approx(2000)
    assert match["least_mean_latency_ms"] == pytest.approx(16)


def test_ingest_ceilings_are_against_datasketchs_session() -> None:
    ingest = ceilings(_measured(0.2, 0.3, 0.5), cores=2, concurrency=32)["ingest"]
    assert ingest["needed_paragraphs_per_s"] == pytest.approx(50_000)
    # 50 postings a paragraph at 2 us each: 100 us a paragraph on Redis's one thread.
    assert ingest["store_ceiling_paragraphs_per_s"] == pytest.approx(10_000)
    assert ingest["store_ceiling_ratio"] == pytest.approx(10)
    # Preparing costs 100 us a paragraph too: 2 cores / 200 us, but Redis's one thread
    # still takes no more than 10,000.
    assert ingest["bulk_ceiling_paragraphs_per_s"] == pytest.approx(10_000)


def test_the_bulk_ceiling_counts_preparing_on_the_same_cores() -> None:
    measured = _measured(0.2, 0.3, 0.5)
    measured["write"]["best"]["redis_cpu_us_per_posting"] = 1.0  # Redis: 50 us a paragraph
    ingest = ceilings(measured, cores=1, concurrency=32)["ingest"]
    assert ingest["bulk_ceiling_paragraphs_per_s"] == pytest.approx(1e6 / 150)


@pytest.mark.slow
def test_the_http_phase_serves_every_query_and_counts_cpu() -> None:
    asked = list(islice(articles(seed=2), 60))
    out = asyncio.run(http_phase(asked, workers=2, concurrency=4, rounds=2))
    assert out["requests"] == 4 * len(asked)
    assert len(out["rounds"]) == 2
    assert out["requests_per_s"] > 0
    assert out["client_cpu_ms_per_request"] >= 0
    assert out["server_cpu_ms_per_request"] >= 0


@pytest.mark.skipif(not RESULT.is_file(), reason="benchmarks/results/floors.json not run yet")
def test_the_committed_result_renders_both_targets() -> None:
    text = render_markdown(json.loads(RESULT.read_text(encoding="utf-8")))
    for part in ("### `/v1/match`", "### Ingest", "Little's law", "**sum**"):
        assert part in text


def test_the_summary_keeps_medians_and_the_most_favourable_round() -> None:
    runs = [
        {"cost_ms": 1.0, "rate_per_s": 9.0},
        {"cost_ms": 3.0, "rate_per_s": 1.0},
        {"cost_ms": 2.0, "rate_per_s": 5.0},
    ]
    assert _summary(runs) == {
        "cost_ms": 2.0,
        "rate_per_s": 5.0,
        "best": {"cost_ms": 1.0, "rate_per_s": 9.0},
        "rounds": runs,
    }


def test_help_teaches_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    for option in ("--paragraphs", "--queries", "--out"):
        assert option in out


def test_counts_below_one_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--rounds", "0"])
    assert stopped.value.code == 2
    assert "--rounds must be at least 1" in capsys.readouterr().err
