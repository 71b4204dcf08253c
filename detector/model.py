"""The values that flow through the engine: articles in, matches and repeats out.

Spans are ``(start, end)`` Python string offsets (code points) into the text exactly
as it was submitted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from detector.errors import InvalidArticle

Kind = Literal["duplicate", "republication", "partial"]
Span = tuple[int, int]
JSON = dict[str, Any]

KINDS: tuple[Kind, ...] = ("duplicate", "republication", "partial")


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?")
"""RFC 3339 date-time (a missing offset is caught below with its own message)."""


def parse_published_at(value: object, field_name: str = "published_at") -> datetime | None:
    """Parse an RFC 3339 timestamp (``Z`` allowed) into an aware datetime.

    >>> parse_published_at("2015-10-07T04:59:00Z").isoformat()
    '2015-10-07T04:59:00+00:00'
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArticle(f"{field_name} must be an RFC 3339 string, got {type(value).__name__}")
    try:
        if not _RFC3339.fullmatch(value):
            raise ValueError(value)
        parsed = datetime.fromisoformat(value.upper())  # 3.11 wants T and Z upper case
    except ValueError:
        raise InvalidArticle(
            f"{field_name} is not an RFC 3339 timestamp: {value[:40]!r} "
            "(expected e.g. 2015-10-07T04:59:00Z)"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidArticle(
            f"{field_name} needs a time zone offset: {value[:40]!r} (append Z for UTC)"
        )
    return parsed


@dataclass(frozen=True, slots=True)
class Article:
    """One article as submitted. ``text`` is the main text (HTML already extracted)."""

    id: str
    text: str
    source: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    title: str | None = None
    metadata: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidArticle("id must be a non-empty string")
        if not isinstance(self.text, str):
            raise InvalidArticle(f"text of article {self.id!r} must be a string")
        if self.published_at is not None and (
            not isinstance(self.published_at, datetime) or self.published_at.tzinfo is None
        ):
            raise InvalidArticle(
                f"published_at of article {self.id!r} must be a datetime with a time zone"
            )

    def to_json(self) -> JSON:
        """The article in DESIGN.md's "Article in" shape; absent fields are left out.

        >>> Article("a", "Bonjour", source="AFP").to_json()
        {'id': 'a', 'text': 'Bonjour', 'source': 'AFP'}
        """
        body: JSON = {"id": self.id, "text": self.text}
        for name in ("source", "url", "title"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        if self.published_at is not None:
            body["published_at"] = self.published_at.isoformat().replace("+00:00", "Z")
        if self.metadata is not None:
            body["metadata"] = dict(self.metadata)
        return body


@dataclass(frozen=True, slots=True)
class Passage:
    """A stretch of text shared by the query and a matched article."""

    query_span: Span
    match_span: Span
    similarity: float

    def to_json(self) -> JSON:
        return {
            "query_span": list(self.query_span),
            "match_span": list(self.match_span),
            "similarity": round(self.similarity, 4),
        }


@dataclass(frozen=True, slots=True)
class Match:
    """What the query shares with one other article (DESIGN.md, "Match out")."""

    id: str
    kind: Kind
    score: float
    query_coverage: float
    match_coverage: float
    passages: tuple[Passage, ...]
    source: str | None = None
    published_at: datetime | None = None
    original: bool = False

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "kind": self.kind,
            "score": round(self.score, 4),
            "query_coverage": round(self.query_coverage, 4),
            "match_coverage": round(self.match_coverage, 4),
            "source": self.source,
            "published_at": _iso(self.published_at),
            "original": self.original,
            "passages": [p.to_json() for p in self.passages],
        }


@dataclass(frozen=True, slots=True)
class RepeatSpan:
    """Text at ``repeat`` repeats text that already appeared at ``first``."""

    first: Span
    repeat: Span
    similarity: float = 1.0

    def to_json(self) -> JSON:
        return {"first": list(self.first), "repeat": list(self.repeat)}


@dataclass(frozen=True, slots=True)
class InternalRepeats:
    """Repetition inside one text; ``fraction`` of the body lies in repeats."""

    fraction: float = 0.0
    spans: tuple[RepeatSpan, ...] = ()

    def to_json(self) -> JSON:
        return {"fraction": round(self.fraction, 4), "spans": [s.to_json() for s in self.spans]}


@dataclass(frozen=True, slots=True)
class ArticleReport:
    """Everything ``redite check`` says about one input article."""

    id: str
    internal_repeats: InternalRepeats = field(default_factory=InternalRepeats)
    matches: tuple[Match, ...] = ()

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "internal_repeats": self.internal_repeats.to_json(),
            "matches": [m.to_json() for m in self.matches],
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
