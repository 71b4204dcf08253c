import json
import os
import random
import string
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from service.cli import cli
from tests.service import write

ROOT = Path(__file__).resolve().parents[2]

# A wire story, a republication that keeps most of it with light edits, an exact copy,
# an unrelated story, and a page that prints its body twice.
WIRE = """Flooding closed the main bridge over the river on Monday morning, and the \
police asked drivers to avoid the old town until the water goes down.

The regional weather service said that more than eighty millimetres of rain fell in \
twelve hours, the highest amount recorded in the valley since the records began.

Emergency crews evacuated forty families from houses along the embankment overnight, \
and the town hall opened the sports centre as a shelter for them.

The mayor said repairs to the flood barrier would start as soon as the river level \
allows engineers to inspect the damage."""

REPUBLISHED = """Flooding closed the main bridge over the river on Monday morning, and \
police asked drivers to avoid the old town until the water goes down.

The regional weather service said more than eighty millimetres of rain fell in twelve \
hours, the highest amount recorded in the valley since records began.

Emergency crews evacuated forty families from houses along the embankment overnight, \
and the town hall opened the sports centre as a shelter.

Our reporter spoke to shopkeepers who were clearing mud from their floors on Tuesday."""

UNRELATED = """The national orchestra announced its new season on Friday, with six \
premieres and a tour of three northern cities planned for the spring.

Tickets go on sale next month, and students will again be offered half-price seats \
for every concert in the capital."""

RECIPE = """Preheat the oven to two hundred degrees and butter a deep baking dish \
before you slice the apples thinly and toss them with sugar and cinnamon."""

TWICE = RECIPE + "\n\n" + RECIPE


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_clean_error(result: Result, message: str) -> None:
    """A non-zero exit with one line of error naming the problem, and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert result.stderr == f"Error: {message}\n"


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, (*prefix, name)))
    return found


# --- help and version ---------------------------------------------------------------


def test_top_level_help_teaches_what_redite_does() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "redite finds republished and reused news text" in result.output
    assert "duplicate" in result.output
    assert "republication" in result.output
    assert "check" in result.output
    assert "redite check story.txt page.html wire.jsonl" in result.output


@pytest.mark.parametrize("command", all_commands(cli), ids=" ".join)
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output, f"'redite {' '.join(command)}' --help needs an example"
    assert f"redite {' '.join(command)} " in result.output


def test_check_help_says_html_spans_refer_to_the_extracted_text() -> None:
    result = run("check", "--help")
    assert "spans refer to that extracted text" in result.output


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.startswith("redite, version ")


def test_check_without_files_is_a_usage_error() -> None:
    result = run("check")
    assert result.exit_code == 2
    assert "Missing argument 'FILE...'" in result.stderr


# --- bad input: one clear line, exit 1, no traceback ------------------------------------


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({}, ["nope.txt"], "nope.txt: no such file"),
        (
            {"corpus/a.txt": "x"},
            ["corpus"],
            "corpus: is a directory; give the files inside it instead (for example corpus/*.txt)",
        ),
        (
            {"notes.md": "x"},
            ["notes.md"],
            "notes.md: cannot tell the format from '.md'; "
            "redite check reads .txt, .html (.htm) and .jsonl files",
        ),
        (
            {"a.txt": b"caf\xe9"},
            ["a.txt"],
            "a.txt: not valid UTF-8 at byte offset 3 (byte 0xe9); "
            "convert the file to UTF-8 (for example: iconv -f latin1 -t utf-8)",
        ),
        (
            {"a.html": "<html><body></body></html>"},
            ["a.html"],
            "a.html: no main text found in the HTML; "
            "give the text itself (a .txt file, or 'text' in JSONL)",
        ),
        ({"w.jsonl": '{"id": "a", "text": "t"}\nnot json\n'}, ["w.jsonl"], None),
        ({"w.jsonl": "[]\n"}, ["w.jsonl"], None),
        ({"w.jsonl": '{"text": "t"}\n'}, ["w.jsonl"], "w.jsonl:1: missing field 'id'"),
        ({"w.jsonl": '{"id": "a"}\n'}, ["w.jsonl"], "w.jsonl:1: missing field 'text' (or 'html')"),
        (
            {"w.jsonl": '{"id": "a", "text": "t", "title": 3}\n'},
            ["w.jsonl"],
            "w.jsonl:1: field 'title' must be a string, got a number",
        ),
        (
            {"w.jsonl": '{"id": "a", "text": "t", "published_at": "07/10/2015"}\n'},
            ["w.jsonl"],
            "w.jsonl:1: field 'published_at' is not an RFC 3339 timestamp: '07/10/2015' "
            "(expected e.g. 2015-10-07T04:59:00Z)",
        ),
        (
            {"w.jsonl": '{"id": "a.txt", "text": "t"}\n', "a.txt": "t"},
            ["w.jsonl", "a.txt"],
            "a.txt: duplicate id 'a.txt', already used by w.jsonl:1; "
            "ids must be unique across all inputs",
        ),
        ({"a.txt": "t"}, ["a.txt", "a.txt"], "a.txt: given twice; give each file once"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_1(
    files: dict[str, str | bytes], args: list[str], message: str | None
) -> None:
    for name, content in files.items():
        write(name, content)
    result = run("check", *args)
    if message is None:  # the exact wording is json's; the place is ours
        assert result.exit_code == 1
        assert isinstance(result.exception, SystemExit)
        assert result.stderr.startswith("Error: w.jsonl:")
        assert result.stderr.count("\n") == 1
    else:
        assert_clean_error(result, message)
    assert "Traceback" not in result.output


def test_errors_as_a_real_process_have_no_traceback() -> None:
    write("w.jsonl", '{"id": "a", "text": "t"}\n{"id": "b", "text": "t", "url": 1}\n')
    done = subprocess.run(
        [sys.executable, "-m", "service", "check", "w.jsonl"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == "Error: w.jsonl:2: field 'url' must be a string, got a number\n"


# --- reports ------------------------------------------------------------------------


def write_corpus() -> list[str]:
    write(
        "wire.jsonl",
        "\n".join(
            json.dumps(article)
            for article in [
                {
                    "id": "wire-1",
                    "text": WIRE,
                    "source": "Agency",
                    "published_at": "2024-03-04T06:00:00Z",
                },
                {"id": "arts-1", "text": UNRELATED, "source": "Agency"},
            ]
        )
        + "\n",
    )
    write("daily.txt", REPUBLISHED)
    write("copy.txt", WIRE)
    write("twice.txt", TWICE)
    write("empty.txt", "")
    return ["wire.jsonl", "daily.txt", "copy.txt", "twice.txt", "empty.txt"]


INPUT_ORDER = ["wire-1", "arts-1", "daily.txt", "copy.txt", "twice.txt", "empty.txt"]


def test_json_output_is_one_object_per_article_in_input_order() -> None:
    result = run("check", "--json", *write_corpus())
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == INPUT_ORDER
    for line in lines:
        assert set(line) == {"id", "internal_repeats", "matches"}
        assert set(line["internal_repeats"]) == {"fraction", "spans"}
        for match in line["matches"]:
            assert set(match) == {
                "id",
                "kind",
                "score",
                "query_coverage",
                "match_coverage",
                "source",
                "published_at",
                "original",
                "passages",
            }
            assert match["kind"] in {"duplicate", "republication", "partial"}
            for passage in match["passages"]:
                assert set(passage) == {"query_span", "match_span", "similarity"}
    by_id = {line["id"]: line for line in lines}
    wire_matches = {m["id"]: m for m in by_id["wire-1"]["matches"]}
    assert wire_matches["copy.txt"]["kind"] == "duplicate"
    assert wire_matches["daily.txt"]["kind"] == "republication"
    assert "arts-1" not in wire_matches
    copy_of_wire = {m["id"]: m for m in by_id["copy.txt"]["matches"]}["wire-1"]
    assert copy_of_wire["source"] == "Agency"
    assert copy_of_wire["published_at"] == "2024-03-04T06:00:00Z"
    assert by_id["twice.txt"]["internal_repeats"]["fraction"] > 0.3
    assert by_id["twice.txt"]["internal_repeats"]["spans"]
    assert by_id["empty.txt"] == {
        "id": "empty.txt",
        "internal_repeats": {"fraction": 0.0, "spans": []},
        "matches": [],
    }


def test_the_ocr_preset_finds_the_same_copies() -> None:
    def pairs(*flags: str) -> set[tuple[str, str, str]]:
        result = run("check", "--json", *flags, *write_corpus())
        assert result.exit_code == 0, result.output
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        return {(line["id"], m["id"], m["kind"]) for line in lines for m in line["matches"]}

    assert pairs("--preset", "ocr") == pairs() != set()


def test_an_unknown_preset_is_a_usage_error() -> None:
    result = run("check", "--preset", "scans", "a.txt")
    assert result.exit_code == 2
    assert "'scans' is not one of 'news', 'ocr'" in result.output


def test_json_spans_lie_in_the_texts_as_read() -> None:
    result = run("check", "--json", *write_corpus())
    texts = {"wire-1": WIRE, "daily.txt": REPUBLISHED, "copy.txt": WIRE}
    for line in map(json.loads, result.stdout.splitlines()):
        for match in line["matches"]:
            for passage in match["passages"]:
                start, end = passage["query_span"]
                assert 0 <= start < end <= len(texts.get(line["id"], TWICE))
                start, end = passage["match_span"]
                assert 0 <= start < end <= len(texts.get(match["id"], TWICE))


def test_readable_report_names_kinds_and_quotes_passages() -> None:
    result = run("check", *write_corpus())
    assert result.exit_code == 0, result.output
    report = result.stdout
    sections = report.split("\n\n")
    assert [s.split()[0] for s in sections[:-1]] == [
        "wire-1",
        "arts-1",
        "daily.txt",
        "copy.txt",
        "twice.txt",
        "empty.txt:",
    ]
    wire = sections[0]
    assert "copy.txt: duplicate" in wire
    assert "daily.txt: republication" in wire
    assert "% of this article and " in wire
    assert '"Flooding closed the main bridge' in wire
    assert "source Agency, published 2024-03-04T06:00:00Z" in wire
    assert "Internal repetition: none" in sections[1]
    assert "Matches: none" in sections[1]
    assert "Internal repetition: " in sections[4]
    assert '"Preheat the oven to two hundred degrees' in sections[4]
    assert sections[5].strip() == "empty.txt: no text"
    assert report.rstrip().endswith(
        "6 articles checked: 3 with matches, 1 with internal repetition."
    )


def test_html_and_a_real_process() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in WIRE.split("\n\n"))
    write(
        "page.html",
        f"<html><body><nav>Home | Weather</nav><article>{paragraphs}</article>"
        "<footer>Copyright</footer></body></html>",
    )
    write("copy.txt", WIRE)
    done = subprocess.run(
        [sys.executable, "-m", "service", "check", "--json", "page.html", "copy.txt"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    page, copy = map(json.loads, done.stdout.splitlines())
    assert [m["id"] for m in page["matches"]] == ["copy.txt"]
    assert page["matches"][0]["kind"] == "duplicate"
    assert copy["matches"][0]["id"] == "page.html"


def test_control_characters_do_not_reach_the_terminal() -> None:
    write("a.txt", WIRE.replace("Flooding", "\x1b[31mFlooding\x00"))
    write("b.txt", WIRE)
    result = run("check", "a.txt", "b.txt")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert "\x00" not in result.stdout
    assert "b.txt: duplicate" in result.stdout


def random_text(rng: random.Random, chars: int) -> str:
    words = (
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(chars)
    )
    return " ".join(words)[:chars]


def test_a_200k_character_line_finishes() -> None:
    # 10 MB files are read in test_readers; the engine's speed is measured in benchmarks/.
    rng = random.Random(7)
    text = random_text(rng, 200_000)
    write("long.jsonl", json.dumps({"id": "long", "text": text}) + "\n")
    write("tail.txt", text[-5_000:])
    result = run("check", "--json", "long.jsonl", "tail.txt")
    assert result.exit_code == 0, result.output
    long, tail = map(json.loads, result.stdout.splitlines())
    assert [m["id"] for m in long["matches"]] == ["tail.txt"]
    assert tail["matches"][0]["query_coverage"] > 0.9


def test_check_against_a_store_reports_the_indexed_articles(tmp_path: Path) -> None:
    import asyncio  # noqa: PLC0415

    from detector.config import DetectorConfig  # noqa: PLC0415
    from detector.model import Article  # noqa: PLC0415
    from service.matching import upsert  # noqa: PLC0415
    from service.stores import open_store  # noqa: PLC0415

    url = f"sqlite:///{tmp_path}/index.db"

    async def index() -> None:
        store = open_store(url, DetectorConfig())
        await upsert(store, Article("archive-1", WIRE, source="Archive"), DetectorConfig())
        await store.close()

    asyncio.run(index())
    today = write("today.txt", REPUBLISHED)
    result = run("check", "--json", "--store", url, today)
    assert result.exit_code == 0, result.output
    (report,) = [json.loads(line) for line in result.output.splitlines()]
    assert [(m["id"], m["source"]) for m in report["matches"]] == [("archive-1", "Archive")]
    text = run("check", "--store", url, today).output
    assert "archive-1" in text
    assert "Flooding closed the main bridge" in text
    bad = run("check", "--store", "mysql://x", today)
    assert_clean_error(
        bad,
        "unknown store 'mysql://x': use sqlite:///FILE, redis://HOST:PORT/DB, rediss://..., "
        "or redis+cluster://HOST:PORT",
    )


def test_bench_lists_the_benchmarks() -> None:
    result = run("bench")
    assert result.exit_code == 0
    for name in ("accuracy", "speed", "service", "dedupe", "render"):
        assert f"    {name} " in result.output


def test_bench_with_an_unknown_name_is_a_usage_error() -> None:
    result = run("bench", "acuracy")
    assert result.exit_code == 2
    assert "no benchmark 'acuracy'" in result.output
    assert "accuracy" in result.output


def test_bench_passes_its_arguments_to_the_benchmark(tmp_path: Path) -> None:
    out = tmp_path / "B.md"
    result = run("bench", "render", "--out", str(out), "--no-plots")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# redite benchmarks")
    # --help after the name is the benchmark's own
    helped = run("bench", "render", "--help")
    assert helped.exit_code == 0
    assert "--out" in helped.output


def test_bench_loads_the_redis_benchmarks_from_any_folder(tmp_path: Path) -> None:
    # Outside the clone, ``tests`` (which starts their redis-servers) is not on the path
    # unless ``redite bench`` puts the clone there.
    for name in ("service", "floors", "redis_writes"):
        done = subprocess.run(
            [sys.executable, "-m", "service", "bench", name, "--help"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "--out" in done.stdout


def test_explain_a_reported_pair_names_every_step_and_the_passages() -> None:
    write("wire.txt", WIRE)
    write("daily.txt", REPUBLISHED)
    result = run("explain", "wire.txt", "daily.txt")
    assert result.exit_code == 0, result.output
    first, *lines = result.output.splitlines()
    assert first.startswith("wire.txt and daily.txt: reported as republication")
    steps = [line.split()[:2] for line in lines if line.startswith(("  pass", "  FAIL"))]
    assert steps == [
        ["pass", "body"],
        ["pass", "candidates"],
        ["pass", "unit"],
        ["pass", "alignment"],
        ["pass", "passages"],
    ]
    assert any(line.strip().startswith("here  [") for line in lines)


def test_explain_says_where_an_unrelated_pair_stops() -> None:
    write("wire.txt", WIRE)
    write("arts.txt", UNRELATED)
    result = run("explain", "--json", "wire.txt", "arts.txt")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert (found["a"], found["b"], found["reported"]) == ("wire.txt", "arts.txt", False)
    assert found["lost_at"] == "unit pairs"
    assert found["match"] is None
    assert [s["name"] for s in found["steps"]] == [
        "body",
        "candidates",
        "unit pairs",
        "alignment",
        "passages",
    ]
    text = run("explain", "wire.txt", "arts.txt").output
    assert "not reported (stopped at unit pairs)" in text
    assert "FAIL  unit pairs" in text


def test_explain_picks_a_pair_by_id() -> None:
    write(
        "feed.jsonl",
        "".join(
            json.dumps({"id": i, "text": t}) + "\n"
            for i, t in (("w", WIRE), ("u", UNRELATED), ("r", REPUBLISHED))
        ),
    )
    found = json.loads(run("explain", "--json", "--pair", "r", "w", "feed.jsonl").output)
    assert (found["a"], found["b"], found["reported"]) == ("r", "w", True)
    assert found["match"]["id"] == "w"
    assert_clean_error(
        run("explain", "feed.jsonl"),
        "feed.jsonl holds 3 articles; explain needs two (or --pair ID ID to name two of them)",
    )
    assert_clean_error(
        run("explain", "--pair", "w", "x", "feed.jsonl"), "no article with id 'x' in feed.jsonl"
    )
    assert_clean_error(
        run("explain", "--pair", "w", "w", "feed.jsonl"),
        "--pair names 'w' twice; give two different ids",
    )
