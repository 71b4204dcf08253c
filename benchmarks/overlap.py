"""The extent of shared text between two paragraphs known to be related.

The corpus generator knows *which* paragraphs are copies of each other (it made them),
but when a paragraph is another paper's reprint (a passim partner) or an edited copy, it
does not know *how much* of each side is the shared text. This module measures it,
conservatively: characters covered by a 7-character shingle (letters and digits only,
case- and accent-folded) present on the other side, gaps of up to 25 such characters
closed (an edited word inside a shared sentence), runs under 30 characters or less than
60% covered dropped (chance matches). Only ever called on pairs related by construction,
never to decide relatedness.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

Span = tuple[int, int]

SHINGLE = 7
GAP = 25
MIN_RUN = 30
DENSITY = 0.6
MIN_SHARED = 40
"""Shared letters and digits both sides need before two pieces count as sharing text."""


_FAST_LIMIT = 0x3000
"""Code points below this are folded through a precomputed table (Latin, Greek, ...)."""


def _fold_char(ch: str) -> str:
    """One character folded to at most one character ("" when not a letter or digit),
    so that every folded character maps back to exactly one original offset."""
    if not ch.isalnum():
        return ""
    for piece in unicodedata.normalize("NFKD", ch.casefold()):
        if not unicodedata.combining(piece) and piece.isalnum():
            return piece
    return ""


_TABLE = [_fold_char(chr(code)) for code in range(_FAST_LIMIT)]
_FOLDED_CODE = np.array([ord(out) if out else 0 for out in _TABLE], dtype=np.uint32)


@functools.lru_cache(maxsize=65536)
def folded(text: str) -> tuple[str, tuple[int, ...]]:
    """Letters and digits of ``text``, case- and accent-folded, with each one's offset.

    >>> folded("Dé-\\njà vu")
    ('dejavu', (0, 1, 4, 5, 7, 8))
    """
    if not text or max(text) < chr(_FAST_LIMIT):
        codes = _FOLDED_CODE[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]
        offsets = np.flatnonzero(codes)
        return codes[offsets].tobytes().decode("utf-32-le"), tuple(offsets.tolist())
    chars: list[str] = []
    kept: list[int] = []
    for index, ch in enumerate(text):
        out = _TABLE[ord(ch)] if ord(ch) < _FAST_LIMIT else _fold_char(ch)
        if out:
            chars.append(out)
            kept.append(index)
    return "".join(chars), tuple(kept)


_MIX = np.uint64(0x9E3779B97F4A7C15)


def gram_hashes(stream: str, gram: int) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of every ``gram``-character window of ``stream``, in order."""
    codes = np.frombuffer(stream.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - gram + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(gram):
            hashes = hashes * np.uint64(1_000_003) + codes[offset : offset + count]
        hashes ^= hashes >> np.uint64(29)
        hashes *= _MIX
        hashes ^= hashes >> np.uint64(32)
    return hashes


def contains(values: npt.NDArray[np.uint64], pool: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
    """``np.isin(values, pool)``, faster for the few thousand hashes of a paragraph."""
    if pool.size == 0:
        return np.zeros(values.size, dtype=bool)
    ordered = np.sort(pool)
    where = np.searchsorted(ordered, values)
    where[where == ordered.size] = 0
    return np.asarray(ordered[where] == values)


def _runs(positions: npt.NDArray[np.intp], width: int, gap: int) -> list[Span]:
    """Runs of windows ``width`` wide starting at sorted ``positions``, bridging gaps."""
    if positions.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(positions) > width + gap)
    starts = positions[np.concatenate(([0], breaks + 1))]
    ends = positions[np.concatenate((breaks, [positions.size - 1]))] + width
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _covered(stream: str, other: str) -> list[Span]:
    """Runs of ``stream`` covered by shingles found in ``other``, gaps closed.

    Chance matches of common short strings ("dansles") can chain across closed gaps; a
    run counts only when most of it (``DENSITY``) is actually covered by shingles."""
    hits = contains(gram_hashes(stream, SHINGLE), gram_hashes(other, SHINGLE))
    positions = np.flatnonzero(hits)
    covered = np.zeros(len(stream) + 1, dtype=np.int64)
    if positions.size:
        # Characters under at least one matching shingle, as a prefix sum.
        marks = np.zeros(len(stream) + 1, dtype=np.int64)
        np.add.at(marks, positions, 1)
        np.add.at(marks, positions + SHINGLE, -1)
        covered[1:] = np.cumsum(np.cumsum(marks)[:-1] > 0)
    return [
        (start, end)
        for start, end in _runs(positions, SHINGLE, GAP)
        if end - start >= MIN_RUN and covered[end] - covered[start] >= DENSITY * (end - start)
    ]


def shared_folded(stream_a: str, stream_b: str) -> tuple[Span, Span] | None:
    """:func:`shared_extent` on folded streams, in folded coordinates."""
    runs_a = _covered(stream_a, stream_b)
    runs_b = _covered(stream_b, stream_a)
    if sum(e - s for s, e in runs_a) < MIN_SHARED or sum(e - s for s, e in runs_b) < MIN_SHARED:
        return None
    return (runs_a[0][0], runs_a[-1][1]), (runs_b[0][0], runs_b[-1][1])


def to_text_span(offsets: Sequence[int], span: Span) -> Span:
    """A span of folded characters as a span of the original text."""
    return offsets[span[0]], offsets[span[1] - 1] + 1


def shared_extent(a: str, b: str) -> tuple[Span, Span] | None:
    """The stretch of ``a`` and the stretch of ``b`` that are the shared text, as
    ``(start, end)`` offsets into each string; None when they share under 40 folded
    characters. Each stretch runs from the first to the last shared character.

    >>> text = "La cérémonie funèbre organisée par la légation a eu lieu hier à Bâle."
    >>> shared_extent(text, "BALE, 7. — " + text.replace("é", "e"))
    ((0, 68), (11, 79))
    """
    stream_a, offsets_a = folded(a)
    stream_b, offsets_b = folded(b)
    found = shared_folded(stream_a, stream_b)
    if found is None:
        return None
    return to_text_span(offsets_a, found[0]), to_text_span(offsets_b, found[1])


def longest_shared_run(stream_a: str, stream_b: str, gram: int = 12, gap: int = 8) -> int:
    """Length of the longest stretch of ``stream_a`` (folded text) tiled by 12-character
    shingles of ``stream_b``, bridging gaps of up to ``gap`` characters (OCR errors)."""
    hits = contains(gram_hashes(stream_a, gram), gram_hashes(stream_b, gram))
    return max((end - start for start, end in _runs(np.flatnonzero(hits), gram, gap)), default=0)


def self_repeat_run(stream: str, gram: int = 12, gap: int = 8) -> int:
    """Length of the longest stretch of ``stream`` tiled by 12-character shingles that
    occur more than once in it: how much text the item itself repeats."""
    hashes = gram_hashes(stream, gram)
    if hashes.size == 0:
        return 0
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    repeated = np.flatnonzero(counts[inverse] > 1)
    return max((end - start for start, end in _runs(repeated, gram, gap)), default=0)


def union(spans: Iterable[Span]) -> list[Span]:
    """Sorted, merged, non-empty spans."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class AlnumCounter:
    """Counts letters and digits of one text inside spans, in O(1) per span."""

    def __init__(self, text: str) -> None:
        counts = [0]
        for ch in text:
            counts.append(counts[-1] + (1 if ch.isalnum() else 0))
        self._counts = counts

    def count(self, spans: Sequence[Span]) -> int:
        """Letters and digits inside the union of ``spans``."""
        return sum(self._counts[end] - self._counts[start] for start, end in union(spans))
