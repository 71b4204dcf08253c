"""The accuracy runner and the BENCHMARKS.md renderer, end to end on a small corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import accuracy, render
from benchmarks.data import REPO_ROOT


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("accuracy")
    out = folder / "results" / "accuracy.json"
    code = accuracy.main(
        [
            "--out",
            str(out),
            "--articles",
            "40",
            "--seed",
            "2",
            "--source",
            "synthetic",
            "--corpus-dir",
            str(folder / "corpus"),
            "--detectors",
            "engine,textbook,paragraph,char5",
            "--skip-impresso",
        ]
    )
    assert code == 0
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    data["_folder"] = str(folder)
    return data


def test_help_names_every_option() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.accuracy", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    for option in ("--out", "--seed", "--articles", "--skip-impresso", "--detectors"):
        assert option in done.stdout


def test_unknown_detector_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        accuracy.parse_args(["--detectors", "engine,nope"])
    assert "unknown detector 'nope'" in capsys.readouterr().err


def test_result_has_every_figure(result: dict[str, Any]) -> None:
    assert result["benchmark"] == "accuracy"
    assert result["command"].startswith("python -m benchmarks.accuracy --out")
    assert result["machine"]["cores"]
    assert result["corpus"]["articles"] == 40
    assert result["corpus"]["synthetic"] is True
    assert result["impresso"] == {"skipped": "--skip-impresso"}
    for name in ("textbook", "paragraph", "char5"):
        figures = result["composed"][name]
        assert 0.0 <= figures["pairs"]["f1"] <= 1.0
        assert "quoted_paragraph" in figures["pairs"]["recall_by_relation"]
        assert figures["repeats"]["true_articles"] >= 1
    # The engine is measured like the others, or its failure is recorded.
    engine = result["composed"]["engine"]
    assert "pairs" in engine or "error" in engine


def test_render_writes_tables_and_plots(result: dict[str, Any]) -> None:
    folder = Path(result["_folder"])
    page = folder / "BENCHMARKS.md"
    render.main(["--results", str(folder / "results"), "--out", str(page), "--no-plots"])
    text = page.read_text(encoding="utf-8")
    assert "## Accuracy" in text
    assert "### Engine targets" in text
    assert "| textbook: datasketch textbook" in text
    assert "synthetic pseudo-text" in text
    # No speed.json in that folder: the section says how to produce it.
    assert "Not run yet: `python -m benchmarks.speed" in text
    pytest.importorskip("matplotlib")
    render.main(["--results", str(folder / "results"), "--out", str(page)])
    assert (folder / "results" / "accuracy.png").is_file()
    assert "](results/accuracy.png)" in page.read_text(encoding="utf-8")


def test_sections_register_by_file_name() -> None:
    def extra(result: dict[str, Any], context: render.Context) -> str:
        return f"## Extra\n\n{result['value']}"

    try:
        render.register("extra.json", "python -m benchmarks.extra")(extra)
        assert [s.file for s in render.SECTIONS].count("extra.json") == 1
        render.register("extra.json", "python -m benchmarks.extra")(extra)
        assert [s.file for s in render.SECTIONS].count("extra.json") == 1
    finally:
        render.SECTIONS[:] = [s for s in render.SECTIONS if s.file != "extra.json"]
