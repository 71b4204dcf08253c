"""Read the articles of ``redite check`` from files: .txt, .html and .jsonl.

- A ``.txt`` file is one article: its text exactly as stored, its id the path as given.
- A ``.html`` / ``.htm`` file is one article whose text is the main text trafilatura
  extracts, reader comments included (reuse hides in comments); spans then refer to the
  extracted text, not to the HTML.
- A ``.jsonl`` file holds one article per line (DESIGN.md "Article in"): ``id``, ``text``
  or ``html``, and optionally ``source``, ``url``, ``published_at`` (RFC 3339), ``title``,
  ``metadata`` (an object). Blank lines are skipped; unknown fields are ignored; when both
  ``text`` and ``html`` are given, ``text`` is used.

Files must be UTF-8 (a leading byte order mark is dropped). An empty or whitespace-only
file is an article with no text, which the engine accepts and reports as having no
matches. NUL and other control characters are kept: spans stay true to the file.

Every problem raises :class:`InputError`, whose one-line message names the file (and
line, for JSONL) and says what to change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from detector.errors import InvalidArticle, RediteError
from detector.model import Article, parse_published_at

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES

_BOM = "\ufeff"
_OPTIONAL_STRINGS = ("source", "url", "title")


class InputError(RediteError, ValueError):
    """An input file, or a line of one, that cannot be read into articles."""


class FieldError(InputError):
    """An article field that is missing, of the wrong type, or invalid.

    ``field`` names it, so the HTTP service can point at it in its problem details.
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Location:
    """Where an article was read from: a path, and a 1-based line for JSONL."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class InputArticle:
    """An article together with the place it came from."""

    article: Article
    location: Location


def read_inputs(paths: Iterable[str]) -> list[InputArticle]:
    """Read every article of every file, in order, with ids unique across all of them.

    >>> read_inputs(["missing.txt"])
    Traceback (most recent call last):
    ...
    service.readers.InputError: missing.txt: no such file
    """
    seen: dict[str, Location] = {}
    files: dict[str, str] = {}
    articles: list[InputArticle] = []
    for path in paths:
        _checked_suffix(path)
        real = os.path.realpath(path)
        if real in files:
            earlier = files[real]
            what = "given twice" if earlier == path else f"the same file as {earlier}"
            raise InputError(f"{path}: {what}; give each file once")
        files[real] = path
        for item in read_file(path):
            first = seen.get(item.article.id)
            if first is not None:
                raise InputError(
                    f"{item.location}: duplicate id {_show(item.article.id)}, "
                    f"already used by {first}; ids must be unique across all inputs"
                )
            seen[item.article.id] = item.location
            articles.append(item)
    return articles


def read_file(path: str) -> Iterator[InputArticle]:
    """The articles of one file, chosen by its extension (see the module docstring)."""
    suffix = _checked_suffix(path)
    if suffix in JSONL_SUFFIXES:
        yield from _read_jsonl(path)
        return
    text = decode_utf8(_read_bytes(path), path)
    if suffix in HTML_SUFFIXES:
        text = _html_text(text, path)
    yield InputArticle(_article(id=path, text=text, where=path), Location(path))


def extract_main_text(html: str) -> str | None:
    """The main text of an HTML page with its reader comments, or None when there is none.

    Repeated paragraphs are kept, since repetition is one of the things redite reports.

    >>> extract_main_text("<html><body><nav>Home</nav></body></html>") in (None, "Home")
    True
    """
    import trafilatura  # noqa: PLC0415  # a fifth of a second: for HTML only

    text: str | None = trafilatura.extract(
        html, include_comments=True, include_tables=True, deduplicate=False
    )
    return text


def _checked_suffix(path: str) -> str:
    if not path:
        raise InputError("an empty file name was given")
    if not os.path.lexists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(
            f"{path}: is a directory; give the files inside it instead "
            f"(for example {os.path.join(path, '*.txt')})"
        )
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        shown = repr(suffix) if suffix else "no extension"
        raise InputError(
            f"{path}: cannot tell the format from {shown}; "
            "redite check reads .txt, .html (.htm) and .jsonl files"
        )
    return suffix


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read the file: {error.strerror or error}") from None


def decode_utf8(data: bytes, where: str, file_offset: int = 0) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = data[error.start : error.start + 1].hex()
        raise InputError(
            f"{where}: not valid UTF-8 at byte offset {file_offset + error.start} "
            f"(byte 0x{byte}); convert the file to UTF-8 "
            "(for example: iconv -f latin1 -t utf-8)"
        ) from None
    return text[1:] if file_offset == 0 and text.startswith(_BOM) else text


def _html_text(html: str, where: str, field: str = "") -> str:
    if not html.strip():
        return ""
    text = extract_main_text(html)
    if text is None or not text.strip():
        raise InputError(
            f"{where}: no main text found in the HTML{field}; "
            "give the text itself (a .txt file, or 'text' in JSONL)"
        )
    return text


def _read_jsonl(path: str) -> Iterator[InputArticle]:
    try:
        handle = Path(path).open("rb")  # noqa: SIM115  # closed below; lines stream
    except OSError as error:
        raise InputError(f"{path}: cannot read the file: {error.strerror or error}") from None
    with handle:
        offset = 0
        for number, raw in enumerate(handle, start=1):
            location = Location(path, number)
            line = decode_utf8(raw, str(location), offset)
            offset += len(raw)
            if line.strip():
                yield InputArticle(_article_from_line(line, location), location)


def reject_constant(name: str) -> Any:
    """``json.loads`` hook: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not a JSON value")


def _article_from_line(line: str, where: Location) -> Article:
    return article_from_object(parse_json_object(line, where), where)


def parse_json_object(line: str, where: Location | str) -> dict[str, Any]:
    """One JSONL line as a JSON object, or an :class:`InputError` saying what is wrong."""
    try:
        value = json.loads(line.rstrip("\r\n"), parse_constant=reject_constant)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not valid JSON: {error.msg} at column {error.colno}") from None
    except (ValueError, RecursionError) as error:  # e.g. a 5,000-digit number, deep nesting
        raise InputError(f"{where}: not valid JSON: {str(error)[:100]}") from None
    if not isinstance(value, dict):
        raise InputError(
            f"{where}: expected a JSON object per line "
            f'({{"id": ..., "text": ...}}), got {_json_type(value)}'
        )
    return value


def article_from_object(value: Mapping[str, Any], where: Location) -> Article:
    """An article from a parsed JSON object (DESIGN.md "Article in").

    >>> article_from_object({"id": "a", "text": "Bonjour"}, Location("body")).text
    'Bonjour'
    >>> article_from_object({"id": "a", "text": 3}, Location("body"))
    Traceback (most recent call last):
    ...
    service.readers.FieldError: body: field 'text' must be a string, got a number
    """
    if "id" not in value:
        raise FieldError(f"{where}: missing field 'id'", "id")
    article_id = _string_field(value, "id", where)
    if not article_id:
        raise FieldError(f"{where}: field 'id' must not be empty", "id")
    html = _string_field(value, "html", where) if value.get("html") is not None else None
    if value.get("text") is not None:
        text = _string_field(value, "text", where)
    elif html is not None:
        text = _html_text(html, str(where), field=" of field 'html'")
    else:
        raise FieldError(f"{where}: missing field 'text' (or 'html')", "text")
    optional = {
        name: _string_field(value, name, where) if value.get(name) is not None else None
        for name in _OPTIONAL_STRINGS
    }
    try:
        published_at = parse_published_at(value.get("published_at"), "field 'published_at'")
    except InvalidArticle as error:
        raise FieldError(f"{where}: {error}", "published_at") from None
    metadata = value.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise FieldError(
            f"{where}: field 'metadata' must be a JSON object, got {_json_type(metadata)}",
            "metadata",
        )
    if metadata is not None:
        _check_metadata(metadata, where)
    return _article(
        id=article_id,
        text=text,
        where=str(where),
        published_at=published_at,
        metadata=metadata,
        **optional,
    )


def _article(
    *,
    id: str,
    text: str,
    where: str,
    source: str | None = None,
    url: str | None = None,
    published_at: datetime | None = None,
    title: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Article:
    try:
        return Article(
            id=id,
            text=text,
            source=source,
            url=url,
            published_at=published_at,
            title=title,
            metadata=metadata,
        )
    except InvalidArticle as error:  # limits the engine may enforce
        raise InputError(f"{where}: {error}") from None


def _string_field(value: Mapping[str, Any], name: str, where: Location) -> str:
    field = value[name]
    if not isinstance(field, str):
        raise FieldError(f"{where}: field '{name}' must be a string, got {_json_type(field)}", name)
    try:
        field.encode("utf-8")
    except UnicodeEncodeError as error:
        raise FieldError(
            f"{where}: field '{name}' holds a lone surrogate "
            f"(\\u{ord(field[error.start]):04x}) at character {error.start}, "
            "which is not valid Unicode text",
            name,
        ) from None
    return field


def _check_metadata(metadata: Mapping[str, Any], where: Location) -> None:
    """Metadata must survive a round trip through strict JSON and UTF-8."""
    try:
        json.dumps(metadata, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, UnicodeEncodeError) as error:
        raise FieldError(
            f"{where}: field 'metadata' holds a value JSON cannot carry "
            f"(NaN, Infinity or a lone surrogate): {str(error)[:80]}",
            "metadata",
        ) from None


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _show(text: str, limit: int = 60) -> str:
    shown = repr(text[:limit])
    return shown if len(text) <= limit else shown + "..."
