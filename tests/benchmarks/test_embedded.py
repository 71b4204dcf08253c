"""Smoke test of the embedded-store benchmark: it runs end to end on a few articles.

Speed itself is never asserted here (STYLE.md convention 9).
"""

import json
from pathlib import Path

from benchmarks.embedded import main, render_markdown


def test_the_benchmark_runs_and_renders(tmp_path: Path) -> None:
    out = tmp_path / "embedded.json"
    argv = ["--articles", "40", "--single", "10", "--batch", "16", "--checkpoints", "2"]
    assert main([*argv, "--dir", str(tmp_path), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["one_at_a_time"]["articles"] == result["in_flight"]["articles"] == 10
    assert [row["articles"] for row in result["batched"]] == [20, 40]
    assert all(row["bytes_per_article"] > 0 for row in result["batched"])
    assert "| 40 |" in render_markdown(result)
    assert list(tmp_path.iterdir()) == [out]  # the SQLite files went with their folder
