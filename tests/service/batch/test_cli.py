"""``redite dedupe`` on the command line: help, errors, summary, quiet."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from service.batch.cli import LogLines
from service.cli import cli

TEXT = (
    "Le vice-ministre russe de la Défense a annoncé mercredi que des navires de la "
    "flottille de la Caspienne avaient tiré vingt-six missiles de croisière sur des "
    "cibles en Syrie, toutes détruites selon lui."
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["dedupe", *args])


def test_help_teaches_inputs_outputs_and_examples() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for needle in ("--id-field", "--skip-invalid", "--resume", "--engine", "pairs.jsonl",
                   "report.html", ".jsonl.zst", "Example"):  # fmt: skip
        assert needle in result.output


def test_a_run_prints_a_one_screen_summary(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": TEXT}, {"id": "b", "text": "Titre\n\n" + TEXT}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("in.jsonl", "--out", "out", "--quiet", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "2 articles" in result.output
    assert "1 duplicate" in result.output
    assert "1 copy (50.0% of the corpus)" in result.output
    assert "%|" not in result.output  # no progress bars when quiet
    pair = json.loads((tmp_path / "out" / "pairs.jsonl").read_text())
    assert (pair["a"], pair["b"], pair["kind"]) == ("a", "b", "duplicate")


def test_progress_to_a_log_file_is_a_line_a_step(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": TEXT}, {"id": "b", "text": "Titre\n\n" + TEXT}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("in.jsonl", "--out", "out", "--jobs", "1")  # stderr is not a terminal
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output
    assert "%|" not in result.output
    assert "read: 2 articles in 0:00:" in result.output
    for step in ("fingerprint", "group", "candidates", "verify"):
        assert re.search(rf"^{step}: (\d+)/\1 tasks in 0:00:\d\d$", result.output, re.M)


def test_the_ocr_preset_runs_the_same_job(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": TEXT}, {"id": "b", "text": "Titre\n\n" + TEXT}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("in.jsonl", "--out", "out", "-q", "-j", "1", "--preset", "ocr")
    assert result.exit_code == 0, result.output
    pair = json.loads((tmp_path / "out" / "pairs.jsonl").read_text())
    assert (pair["a"], pair["b"], pair["kind"]) == ("a", "b", "duplicate")


def test_a_bad_line_is_a_one_line_error_unless_skipped(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "Un."}\n{"id": "b"}\n')
    result = run("in.jsonl", "--out", "out", "-q", "-j", "1")
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: in.jsonl:2: missing field 'text' (or 'html')")
    result = run("in.jsonl", "--out", "out", "-q", "-j", "1", "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "(1 invalid records skipped)" in result.output
    assert "e.g. in.jsonl:2: missing field 'text'" in result.output


def test_a_missing_input_is_a_clear_error() -> None:
    result = run("missing.jsonl", "--out", "out")
    assert result.exit_code == 1
    assert "missing.jsonl: no such file or folder" in result.output


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "Un."}\n')
    result = run("in.jsonl", "--out", "out", "--engine", "dask", "--scheduler",
                 "tcp://127.0.0.1:9")  # fmt: skip
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output


def test_a_store_that_cannot_be_opened_stops_the_job_before_it_starts(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "Un."}\n')
    for url, says in (
        ("sqlite:///missing/i.db", "its folder does not exist"),
        ("redis://127.0.0.1:9/0", "127.0.0.1:9"),
    ):
        result = run("in.jsonl", "--out", "out", "-q", "--against", url, "--index")
        assert result.exit_code == 1, result.output
        assert "Error: --against " in result.output
        assert says in result.output
        assert not (tmp_path / "out" / ".work").exists()  # nothing was read yet


def test_indexing_into_redis_without_an_append_only_file_warns(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("fresh_redis_server").url
    rows = [{"id": "a", "text": TEXT}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run("in.jsonl", "--out", "out", "-q", "-j", "1", "--against", url, "--index")
    assert result.exit_code == 0, result.output
    assert "warning: Redis at" in result.output
    assert "appendonly no" in result.output
    sqlite = run("in.jsonl", "--out", "out2", "-q", "-j", "1", "--against", "sqlite:///i.db",
                 "--index")  # fmt: skip
    assert sqlite.exit_code == 0, sqlite.output
    assert "warning" not in sqlite.output


def test_a_long_step_in_a_log_file_says_how_far_it_got() -> None:
    out = io.StringIO()
    lines = LogLines("verify", 3, "tasks", every=0.0, out=out)
    lines.update(1)
    lines.update(1)
    lines.close()
    lines.close()  # a step is closed once more when the job ends
    said = [line.rsplit(" ", 1)[0] for line in out.getvalue().splitlines()]
    assert said == ["verify: 1/3 tasks so far", "verify: 2/3 tasks so far", "verify: 2/3 tasks in"]
