"""The inputs of ``redite dedupe``: JSONL (plain, .gz, .zst), Parquet, and folders.

- ``*.jsonl`` / ``*.ndjson``, optionally compressed (``.gz``, ``.zst``): one article per
  line, as ``redite check`` reads them (DESIGN.md "Article in").
- ``*.parquet``: one article per row.
- A folder: every ``.txt``, ``.html`` and ``.htm`` file below it, in path order, one
  article each, its id the path as given.

:class:`Fields` maps other schemas onto redite's field names (``--id-field`` ...). In
JSONL and Parquet an integer id is taken as its decimal string, and a Parquet timestamp
column as ``published_at`` (a timestamp without a time zone counts as UTC).

A record that is not valid JSON, lacks its text or id, or carries a field of the wrong
type raises :class:`~service.readers.InputError` naming the file, the line and the
field; with ``skip_invalid`` it is counted in :class:`ReadStats` and skipped instead.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from detector.model import Article
from service.readers import (
    HTML_SUFFIXES,
    TEXT_SUFFIXES,
    FieldError,
    InputArticle,
    InputError,
    Location,
    article_from_object,
    decode_utf8,
    parse_json_object,
    read_file,
)

JSONL = (".jsonl", ".ndjson")
COMPRESSED = {"": "plain", ".gz": "gzip", ".zst": "zstd"}
PARQUET = (".parquet",)
_FOLDER = TEXT_SUFFIXES + HTML_SUFFIXES
_EXAMPLES = 5
"""Problems quoted in the summary when invalid records are skipped."""


@dataclass(frozen=True, slots=True)
class Fields:
    """Where each article field is found in the input records."""

    id: str = "id"
    text: str = "text"
    html: str = "html"
    published_at: str = "published_at"
    source: str = "source"
    url: str = "url"
    title: str = "title"
    metadata: str = "metadata"

    def names(self) -> dict[str, str]:
        """redite's name of each field -> the input's name."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class ReadStats:
    """What reading saw: records read, and invalid ones skipped (with examples)."""

    articles: int = 0
    invalid: int = 0
    examples: list[str] = field(default_factory=list)

    def skipped(self, error: InputError) -> None:
        self.invalid += 1
        if len(self.examples) < _EXAMPLES:
            self.examples.append(str(error))


def check_inputs(paths: Iterable[str]) -> list[str]:
    """The inputs, checked to exist and to have a format redite reads."""
    checked = []
    for path in paths:
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file or folder")
        if not os.path.isdir(path):
            _format(path)
        checked.append(path)
    if not checked:
        raise InputError("no input given; name JSONL, Parquet files or folders")
    return checked


def read_articles(
    paths: Iterable[str],
    fields: Fields = Fields(),
    *,
    skip_invalid: bool = False,
    stats: ReadStats | None = None,
) -> Iterator[InputArticle]:
    """Every article of every input, in order (see the module docstring)."""
    stats = stats if stats is not None else ReadStats()
    for path in paths:
        for item in _read_one(path, fields):
            if isinstance(item, InputError):
                if not skip_invalid:
                    raise item
                stats.skipped(item)
                continue
            stats.articles += 1
            yield item


def _read_one(path: str, fields: Fields) -> Iterator[InputArticle | InputError]:
    if os.path.isdir(path):
        yield from _read_folder(path)
        return
    kind, compression = _format(path)
    if kind == "parquet":
        yield from _read_parquet(path, fields)
    else:
        yield from _read_jsonl(path, compression, fields)


def _format(path: str) -> tuple[str, str]:
    """``("jsonl", compression)`` or ``("parquet", "")`` from the file name."""
    name = Path(path).name.lower()
    for suffix, compression in COMPRESSED.items():
        stem = name.removesuffix(suffix) if suffix else name
        if suffix and stem == name:
            continue
        if stem.endswith(JSONL):
            return "jsonl", compression
        if not suffix and stem.endswith(PARQUET):
            return "parquet", ""
    raise InputError(
        f"{path}: cannot tell the format from the name; redite dedupe reads .jsonl "
        "(also .jsonl.gz, .jsonl.zst, .ndjson), .parquet, and folders of .txt/.html files"
    )


def _open(path: str, compression: str) -> io.BufferedIOBase:
    try:
        if compression == "gzip":
            return gzip.open(path, "rb")
        raw = Path(path).open("rb")  # noqa: SIM115  # returned open; the caller closes it
    except OSError as error:
        raise InputError(f"{path}: cannot read the file: {error.strerror or error}") from None
    if compression == "zstd":
        import zstandard  # noqa: PLC0415  # only when a .zst input is given

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=True))
    return raw


def _read_jsonl(path: str, compression: str, fields: Fields) -> Iterator[InputArticle | InputError]:
    names = fields.names()
    with _open(path, compression) as handle:
        offset, number = 0, 0
        while True:
            try:
                raw = handle.readline()
            except (OSError, EOFError, ValueError) as error:  # truncated or corrupt archive
                raise InputError(
                    f"{path}: the {compression} stream is damaged after line {number}: {error}"
                ) from None
            if not raw:
                return
            number += 1
            location = Location(path, number)
            try:
                line = decode_utf8(raw, str(location), offset)
                offset += len(raw)
                if not line.strip():
                    continue
                value = parse_json_object(line, location)
                yield InputArticle(_mapped(value, names, location), location)
            except InputError as error:
                yield error


def _read_parquet(path: str, fields: Fields) -> Iterator[InputArticle | InputError]:
    import pyarrow.parquet as pq  # noqa: PLC0415  # only when a Parquet input is given

    names = fields.names()
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: not a readable Parquet file: {error}") from None
    present = set(parquet.schema_arrow.names)
    for wanted in (fields.id,):
        if wanted not in present:
            raise InputError(
                f"{path}: no column {wanted!r} for the id (columns: {', '.join(sorted(present))}); "
                "name it with --id-field"
            )
    if fields.text not in present and fields.html not in present:
        raise InputError(
            f"{path}: no column {fields.text!r} for the text (columns: "
            f"{', '.join(sorted(present))}); name it with --text-field"
        )
    columns = [name for name in names.values() if name in present]
    number = 0
    for batch in parquet.iter_batches(batch_size=1024, columns=columns):
        for row in batch.to_pylist():
            number += 1
            location = Location(path, number)
            try:
                yield InputArticle(_mapped(row, names, location), location)
            except InputError as error:
                yield error


def _read_folder(path: str) -> Iterator[InputArticle | InputError]:
    found = sorted(
        str(p) for p in Path(path).rglob("*") if p.suffix.lower() in _FOLDER and p.is_file()
    )
    for file in found:
        try:
            yield from read_file(file)
        except InputError as error:
            yield error


def _mapped(value: Mapping[str, Any], names: Mapping[str, str], where: Location) -> Article:
    """The article a record holds, read through the field names ``names``."""
    record = {ours: _plain(value[theirs]) for ours, theirs in names.items() if theirs in value}
    if isinstance(record.get("id"), int) and not isinstance(record["id"], bool):
        record["id"] = str(record["id"])
    try:
        return article_from_object(record, where)
    except FieldError as error:
        theirs = names.get(error.field, error.field)
        if theirs == error.field:
            raise
        message = str(error).replace(f"'{error.field}'", f"'{theirs}'")
        raise FieldError(message, theirs) from None


def _plain(value: Any) -> Any:
    """Parquet's timestamps and dates as RFC 3339 strings (naive ones as UTC)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat()
    return value
