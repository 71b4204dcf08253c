"""What every index store offers the service, and the encodings they share.

The engine never calls a store (see ``detector.index``): the service computes band
keys, asks the store what is posted under them (:meth:`Store.lookup`), lets the engine
pick candidates, fetches those (:meth:`Store.fetch`) and lets the engine verify them.

A store posts each article under a *handle*, a hash of its id (64 bits in SQLite, 32 in
Redis, where every posting byte counts), so that buckets hold fixed-size integers
instead of ids of any length, and a reader can fetch the article record straight from a
bucket entry. A handle may name more than one article (Redis keeps every record under
it); verification sorts them out. A bucket entry whose record is missing
(deleted, expired, or a writer that died before writing it) is ignored: the record is
the truth, and every match is verified against its text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np
import xxhash

from detector.errors import RediteError
from detector.model import Article, parse_published_at
from detector.prepare import Segments
from detector.segment import REASONS, paragraph_rows, paragraphs_of
from service import jsonl


class StoreUnavailable(RediteError, ConnectionError):
    """The store cannot be reached or answered with an error; retry later."""


class StoreError(RediteError, ValueError):
    """A store URL or store content that redite cannot use."""


@dataclass(frozen=True, slots=True)
class Stored:
    """An article as a store keeps it, with the time it was indexed."""

    article: Article
    indexed_at: datetime
    segments: Segments | None = None
    """The article's paragraphs and units as the engine cut them when it was indexed:
    verifying the article as a candidate then skips segmenting it again (the index is
    namespaced by the parameters that shape them). None in records written without."""

    def reference_time(self) -> datetime:
        """The time retention counts from: ``published_at``, else when it was indexed."""
        return self.article.published_at or self.indexed_at


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What an upsert did: whether the id was new, and bucket entries refused as hot."""

    created: bool
    capped: int = 0
    stored: bool = True
    """False when the article was already older than the retention period."""


class Store(Protocol):
    """An index of articles by band key, shared by the service and ``redite check``."""

    url: str
    """Where the store lives, with any password removed (for logs and ``/readyz``)."""

    async def lookup(self, keys: Sequence[int]) -> Mapping[int, Sequence[str]]:
        """The handles posted under each key, each at most once (buckets over the cap
        come back truncated)."""
        ...

    async def fetch(self, handles: Sequence[str]) -> Sequence[Stored]:
        """The live articles posted under ``handles``, in their order (missing and
        expired ones are left out)."""
        ...

    async def get(self, article_id: str) -> Stored | None:
        """The stored article with this id, if any."""
        ...

    async def upsert(
        self, article: Article, keys: Sequence[int], segments: Segments | None = None
    ) -> UpsertResult:
        """Store ``article`` under ``keys``, replacing what its id had before; keep its
        ``segments`` with it when given."""
        ...

    async def upsert_many(
        self, items: Sequence[tuple[Article, Sequence[int], Segments | None]]
    ) -> list[UpsertResult]:
        """:meth:`upsert` each ``(article, keys, segments)``, results in order; what a
        bulk load calls (SQLite commits them together). An article the store refuses
        raises, the others are stored."""
        ...

    async def delete(self, article_id: str) -> bool:
        """Remove the article and its postings; False when it was not there."""
        ...

    async def count(self) -> int:
        """How many articles the store holds (may include some not yet purged)."""
        ...

    async def purge_expired(self) -> int:
        """Remove articles past the retention period; how many were removed."""
        ...

    async def ping(self) -> None:
        """Return when the store answers; raise :class:`StoreUnavailable` otherwise."""
        ...

    async def durability(self) -> str | None:
        """Why writes the store acknowledges could be lost (a setting of its server),
        or None."""
        ...

    async def close(self) -> None:
        """Release connections and files."""
        ...


def handle_of(article_id: str) -> int:
    """The 64-bit handle an article is posted under.

    >>> handle_of("a") == handle_of("a") != handle_of("b")
    True
    """
    return xxhash.xxh64_intdigest(article_id.encode("utf-8"))


def handle_name(handle: int) -> str:
    """A handle as the string the matcher carries around."""
    return f"{handle:016x}"


def expiry(stored: Stored, retention: timedelta | None) -> datetime | None:
    """When a stored article stops matching, or None when it never does."""
    return None if retention is None else stored.reference_time() + retention


def encode_record(stored: Stored) -> bytes:
    """An article record as compact JSON bytes (never pickle)."""
    record = stored.article.to_json()
    record["indexed_at"] = stored.indexed_at.isoformat()
    if stored.segments is not None:
        paragraphs, units = stored.segments
        record["segments"] = {
            "paragraphs": paragraph_rows(paragraphs).ravel().tolist(),
            "units": units.ravel().tolist(),
        }
    return jsonl.dumps(record)


def decode_record(data: bytes | str) -> Stored:
    """The inverse of :func:`encode_record`."""
    try:
        record = json.loads(data)
        indexed_at = parse_published_at(record.pop("indexed_at"), "indexed_at")
        published_at = parse_published_at(record.pop("published_at", None))
        segments = record.pop("segments", None)
        article = Article(published_at=published_at, **record)
    except (ValueError, TypeError, KeyError) as error:
        raise StoreError(f"an article record in the store is damaged: {error}") from None
    if indexed_at is None:
        raise StoreError("an article record in the store has no indexed_at")
    return Stored(article, indexed_at, _segments(segments, len(article.text)))


def _segments(data: Any, length: int) -> Segments | None:
    """Stored segments, or None (the article is then segmented again) when they are
    missing or do not fit a text of ``length`` characters: they are derived from the
    text, which stays the truth."""
    if data is None:
        return None
    try:
        return _checked_segments(data, length)
    except (ValueError, TypeError, KeyError):
        return None


def _checked_segments(data: dict[str, list[int]], length: int) -> Segments:
    """Paragraphs inside the text, spans that start before they end, known boilerplate
    reasons. Units are offsets in the folded text, which folding may make longer than
    the text (ﬃ is ffi): ``prepare_batch`` checks them against it."""
    rows = np.array(data["paragraphs"], dtype=np.int64).reshape(-1, 3)
    units = np.array(data["units"], dtype=np.int64).reshape(-1, 2)
    if rows.size and (rows[:, :2].min() < 0 or rows[:, :2].max() > length):
        raise ValueError("paragraphs outside the text")
    for spans in (rows[:, :2], units):
        if spans.size and (spans.min() < 0 or (spans[:, 0] > spans[:, 1]).any()):
            raise ValueError("a segment ends before it starts")
    if rows.size and (rows[:, 2].min() < 0 or rows[:, 2].max() >= len(REASONS)):
        raise ValueError("unknown boilerplate reason in segments")
    return paragraphs_of(rows), units
