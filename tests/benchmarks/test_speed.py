"""Smoke tests of the speed benchmark: it runs end to end on a few synthetic articles.

Speed itself is never asserted here (STYLE.md convention 9).
"""

import json
from pathlib import Path

import pytest

from benchmarks.data import impresso_path, missing_reason
from benchmarks.speed import (
    build_workload,
    check_agreement,
    load_articles,
    main,
    parse_args,
    render_markdown,
    synthetic_articles,
)
from detector.config import DetectorConfig


def test_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    for option in ("--out", "--articles", "--words", "--rounds", "--data", "--synthetic"):
        assert option in out


def test_synthetic_articles_have_about_the_words_asked() -> None:
    articles = synthetic_articles(3, 200, seed=1)
    assert len({a.id for a in articles}) == 3
    for article in articles:
        assert 200 <= len(article.text.split()) < 200 + 22


@pytest.mark.data
def test_impresso_articles_are_cut_near_the_word_count() -> None:
    data = impresso_path()
    reason = missing_reason(data)
    if reason is not None:
        pytest.skip(reason)
    articles, source = load_articles(3, 400, data)
    assert source.startswith("impresso")
    for article in articles:
        assert 400 <= len(article.text.split()) < 480


def test_guard_catches_signatures_that_differ() -> None:
    work = build_workload(synthetic_articles(2, 80), DetectorConfig())
    assert check_agreement(work) > 0
    work.prepared[0].signatures[0, 0] ^= 1
    with pytest.raises(RuntimeError, match="disagree"):
        check_agreement(work)


def test_runs_end_to_end_and_renders(tmp_path: Path) -> None:
    out = tmp_path / "results" / "speed.json"
    argv = ["--out", str(out), "--articles", "4", "--words", "60", "--rounds", "1"]
    argv += ["--update-articles", "2", "--batch-articles", "2", "--single-articles", "2"]
    assert main([*argv, "--synthetic", "--batch", "2"]) == 0

    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["source"] == "synthetic pseudo-French"
    assert result["signatures_checked"] > 0
    methods = result["methods"]
    for name in ("redite", "redite_batch1", "datasketch_update", "datasketch_update_batch"):
        assert methods[name]["articles_per_s"]["median"] > 0
    assert set(result["ratios"]) == set(methods) - {"redite"}
    assert "sign" in result["stages"]
    markdown = render_markdown(result)
    assert "| method |" in markdown
    assert result["command"] in markdown
