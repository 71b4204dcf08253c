"""Reading dedupe inputs: JSONL (plain, gzip, zstd), Parquet, folders, other schemas."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from service.batch.inputs import Fields, ReadStats, check_inputs, read_articles
from service.readers import InputError

ROWS = [
    {"id": "a", "text": "Le premier article.", "published_at": "2015-10-07T04:59:00Z"},
    {"id": "b", "text": "Le second article.", "source": "AFP"},
]


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def _ids(paths: list[str], fields: Fields | None = None, **kw: Any) -> list[str]:
    return [item.article.id for item in read_articles(paths, fields or Fields(), **kw)]


@pytest.mark.parametrize(
    ("name", "pack"),
    [
        ("in.jsonl", lambda b: b),
        ("in.ndjson", lambda b: b),
        ("in.jsonl.gz", gzip.compress),
        ("in.jsonl.zst", lambda b: zstandard.ZstdCompressor().compress(b)),
    ],
)
def test_jsonl_plain_and_compressed(tmp_path: Path, name: str, pack: Any) -> None:
    (tmp_path / name).write_bytes(pack(_jsonl(ROWS)))
    items = list(read_articles([name]))
    assert [i.article.id for i in items] == ["a", "b"]
    assert items[0].article.published_at is not None
    assert items[1].article.source == "AFP"
    assert str(items[1].location) == f"{name}:2"


def test_parquet_with_other_field_names_integer_ids_and_timestamps(tmp_path: Path) -> None:
    table = pa.table(
        {
            "doc": pa.array([7, 8], pa.int64()),
            "body": ["Un texte.", "Un autre texte."],
            "when": pa.array([1_444_193_940_000_000, None], pa.timestamp("us")),
            "outlet": ["JDG", None],
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    fields = Fields(id="doc", text="body", published_at="when", source="outlet")
    items = list(read_articles(["in.parquet"], fields))
    assert [i.article.id for i in items] == ["7", "8"]
    assert items[0].article.published_at is not None
    assert items[0].article.published_at.isoformat() == "2015-10-07T04:59:00+00:00"
    assert items[0].article.source == "JDG"
    assert items[1].article.published_at is None


def test_parquet_without_the_text_column_names_the_columns(tmp_path: Path) -> None:
    pq.write_table(pa.table({"id": ["a"], "body": ["x"]}), tmp_path / "in.parquet")
    with pytest.raises(InputError, match=r"no column 'text'.*body, id.*--text-field"):
        list(read_articles(["in.parquet"]))


def test_a_folder_gives_its_text_and_html_files_in_path_order(tmp_path: Path) -> None:
    (tmp_path / "f" / "sub").mkdir(parents=True)
    (tmp_path / "f" / "b.txt").write_text("Deux.")
    (tmp_path / "f" / "sub" / "a.txt").write_text("Un.")
    (tmp_path / "f" / "notes.md").write_text("ignored")
    assert _ids(["f"]) == ["f/b.txt", "f/sub/a.txt"]


def test_mapped_field_errors_name_the_users_field(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_bytes(_jsonl([{"doc": "a", "body": 3}]))
    with pytest.raises(InputError, match=r"in.jsonl:1: field 'body' must be a string"):
        list(read_articles(["in.jsonl"], Fields(id="doc", text="body")))


def test_invalid_lines_stop_the_read_or_are_counted_and_skipped(tmp_path: Path) -> None:
    data = _jsonl(ROWS[:1]) + b"{not json\n" + b'{"id": "c"}\n' + _jsonl(ROWS[1:])
    (tmp_path / "in.jsonl").write_bytes(data)
    with pytest.raises(InputError, match=r"in.jsonl:2: not valid JSON"):
        list(read_articles(["in.jsonl"]))
    stats = ReadStats()
    assert _ids(["in.jsonl"], skip_invalid=True, stats=stats) == ["a", "b"]
    assert stats.invalid == 2
    assert stats.articles == 2
    assert "in.jsonl:3: missing field 'text'" in stats.examples[1]


def test_a_damaged_archive_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl.gz").write_bytes(gzip.compress(_jsonl(ROWS))[:-12])
    with pytest.raises(InputError, match="gzip stream is damaged"):
        list(read_articles(["in.jsonl.gz"]))


def test_inputs_are_checked_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("id,text\n")
    with pytest.raises(InputError, match="no such file"):
        check_inputs(["missing.jsonl"])
    with pytest.raises(InputError, match=r"in.csv: cannot tell the format"):
        check_inputs(["in.csv"])
    with pytest.raises(InputError, match="no input given"):
        check_inputs([])


def test_long_integer_ids_and_metadata_keep_every_digit(tmp_path: Path) -> None:
    # Lines are read with json, which keeps every digit (orjson would give floats).
    rows = [{"id": 12345678901234567890123, "text": "Un article.", "metadata": {"n": 2**70}}]
    path = tmp_path / "in.jsonl"
    path.write_bytes(_jsonl(rows))
    [item] = read_articles([str(path)])
    assert item.article.id == "12345678901234567890123"
    assert item.article.metadata == {"n": 2**70}
