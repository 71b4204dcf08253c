"""The service benchmark's parts, on small inputs and a real redis-server (no timing)."""

from __future__ import annotations

import json
from itertools import islice

import pytest
import redis

from benchmarks.data import REPO_ROOT
from benchmarks.render_service import render_markdown
from benchmarks.service import articles, datasketch_phase, extrapolate, main, paragraphs
from detector.config import DetectorConfig
from tests.service.redis_fixtures import fresh_redis_server
from tests.service.redis_servers import RedisServer

__all__ = ["fresh_redis_server"]

RESULT = REPO_ROOT / "benchmarks" / "results" / "service.json"


def test_paragraphs_are_blocks_between_blank_lines() -> None:
    assert paragraphs("Un.\n\n\n\nDeux\ntrois.\n\n  \n") == ["Un.", "Deux\ntrois."]


def test_the_article_stream_has_unique_ids_and_republishes_some() -> None:
    batch = list(islice(articles(seed=5), 300))
    assert len({a.id for a in batch}) == 300
    firsts = [a.text.split()[:6] for a in batch]
    repeated = sum(firsts.count(f) > 1 for f in firsts)
    assert repeated > 0


def test_datasketch_side_measures_rates_memory_and_latency(
    fresh_redis_server: RedisServer,
) -> None:
    corpus = list(islice(articles(seed=1), 20))
    result = datasketch_phase(
        fresh_redis_server.url, fresh_redis_server.port, corpus, DetectorConfig(), queries_n=10
    )
    assert result["paragraphs"] == sum(len(paragraphs(a.text)) for a in corpus)
    assert result["bands_rows"] == list(DetectorConfig().bands_rows())
    assert result["bytes_per_paragraph"] > 0
    assert result["session_paragraphs_per_s"] > 0
    assert result["query_ms"]["p50"] <= result["query_ms"]["p99"]
    client = redis.Redis.from_url(fresh_redis_server.url)
    assert client.dbsize() == 0  # it cleans up after itself
    client.close()


@pytest.mark.skipif(not RESULT.is_file(), reason="benchmarks/results/service.json not run yet")
def test_the_committed_result_renders_every_part() -> None:
    result = json.loads(RESULT.read_text(encoding="utf-8"))
    text = render_markdown(result)
    for part in ("### Targets", "### Side by side", "### Growth", "Extrapolated", "Reading:"):
        assert part in text
    assert text.count("\n| ") >= 4 + len(result["redite"]["checkpoints"])
    again = extrapolate(result, node_gib=40.0)
    assert again["nodes_for_100m"] <= result["extrapolation"]["nodes_for_100m"]


def test_help_teaches_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    for option in ("--checkpoints", "--quick", "--out"):
        assert option in out
