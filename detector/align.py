"""Verification and passage alignment between two prepared articles (or one and itself).

Candidate article pairs come from LSH; here every unit of one side is compared with
every unit of the other through their exact shingle sets (a sparse join on hashes), the
pairs that share enough are aligned character by character with rapidfuzz on the
folded stream, and the aligned regions are chained into passages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import LCSseq

from detector.arrays import bounded_counts, distinct, ranges
from detector.config import DetectorConfig
from detector.kernels import loops_for
from detector.prepare import Prepared
from detector.text import I64

_MIN_BLOCK = 3
"""Matching blocks shorter than this are chance agreements of letters, not reuse."""
_GAP_PENALTY = 1.0
"""Score lost per unmatched character between two blocks when trimming an alignment."""
_MIN_SHARED = 8
"""Shingles two units must share before they are aligned at all."""
_DIGITS = re.compile(r"\d")
_MIN_FIGURES = 4
_FIGURES_AGREE = 0.5
"""Share of the contested digits of an aligned stretch (aligned, or facing other digits)
that must be aligned (see _figures_agree)."""
_EXTEND_WINDOW = 300
"""Folded characters past a passage's edge aligned at a time to extend it."""
_EXTEND_DROP = 40
"""An extension stops where its score has fallen this far below its best (X-drop)."""
_FULL_JOIN = 8
"""A shingle held by more units than this joins its occurrences sparingly: in one text
each with the one before, across two texts through the first occurrence of each side."""
_RUN_GAP = 6
"""Characters either side may skip between two matching blocks of one run (see
:func:`longest_run`): OCR misreads a letter or two, a formula filled in anew changes a
name or a date."""
_DENSE_PAIRS = 1 << 20
"""Unit pairs of two texts up to which the compiled join counts their shared shingles in
a table of every pair (4 MiB)."""


@dataclass(frozen=True, slots=True)
class Region:
    """Aligned ``[a_start, a_end)`` and ``[b_start, b_end)`` on the folded streams."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched: int
    """Characters inside matching blocks."""

    @property
    def similarity(self) -> float:
        return 2.0 * self.matched / max(self.a_end - self.a_start + self.b_end - self.b_start, 1)

    def swapped(self) -> Region:
        return Region(self.b_start, self.b_end, self.a_start, self.a_end, self.matched)


def unit_pairs(a: Prepared, b: Prepared | None, config: DetectorConfig) -> list[tuple[int, int]]:
    """Unit pairs ``(i, j)`` whose shingle sets overlap enough to be worth aligning.

    With ``b`` None, pairs ``i < j`` of ``a`` with itself. A shingle found in many units
    (a line printed over and over) pairs each occurrence with the one before, so the
    work stays linear in the text and the copies chain into one repeat.
    """
    if b is not None:
        return _cross_pairs(a, b, config)
    return _self_pairs(a, config)


def _self_pairs(a: Prepared, config: DetectorConfig) -> list[tuple[int, int]]:
    """:func:`unit_pairs` of a text with itself (see :func:`_self_unit_pairs`)."""
    return _self_unit_pairs([a], config)


def self_paired(texts: Sequence[Prepared], config: DetectorConfig) -> npt.NDArray[np.bool_]:
    """For many texts in one vectorised pass, whether each has a unit pair with itself
    (``unit_pairs(text, None, config)`` is not empty): a text without one has no
    internal repeats."""
    flags = np.zeros(len(texts), dtype=bool)
    small = []
    for n in np.flatnonzero(may_self_pair(texts, config)).tolist():
        text = texts[n]
        if text.units.shape[0] <= _MAX_UNITS:
            small.append(n)
        else:  # too many units to share a join with others
            flags[n] = bool(_self_pairs(text, config))
    for start in range(0, len(small), _MAX_TEXTS):
        group = small[start : start + _MAX_TEXTS]
        owners = np.repeat(group, [texts[n].units.shape[0] for n in group])
        found = [i for i, _ in _self_unit_pairs([texts[n] for n in group], config)]
        flags[owners[found]] = True
    return flags


def may_self_pair(texts: Sequence[Prepared], config: DetectorConfig) -> npt.NDArray[np.bool_]:
    """A cheap test that lets through every text :func:`self_paired` flags, and few
    others (on generated news, 7 of 3,000 texts where none has a pair; on impresso's OCR
    passages, 411 of 3,000 where 101 have one), at about two fifths of its cost.

    Why it lets every such text through: in a pair of units that share enough, the
    smaller, ``u``, shares at least half its distinct shingles with the other unit, and
    every row of ``u`` after the first of its hash repeats a hash too. So at least half
    of ``u``'s rows hold a hash found twice in the text. Hashes are counted in a table
    indexed by their low bits (four to eight cells a row), where a collision only adds
    to a count.
    """
    k = config.shingle_size
    counts = np.array([t.units.shape[0] for t in texts], dtype=np.int64)
    lengths = np.array([t.hashes.shape[0] for t in texts], dtype=np.int64)
    if (loops := loops_for(int(lengths.sum()))) is not None:
        spans = np.concatenate([t.units for t in texts])
        spans[:, 1] = np.maximum(spans[:, 1] - k + 1, spans[:, 0]) - spans[:, 0]
        maybe: npt.NDArray[np.bool_] = loops.may_self_pair(
            np.concatenate([t.hashes for t in texts]),
            np.concatenate(([0], np.cumsum(lengths))),
            spans,
            np.concatenate(([0], np.cumsum(counts))),
            _MAX_TABLE_BITS,
        )
        return maybe
    repeated = []
    for text in texts:
        hashes = text.hashes
        bits = min(int(hashes.shape[0]).bit_length() + 2, _MAX_TABLE_BITS)
        bucket = hashes & np.uint32((1 << bits) - 1)
        repeated.append(np.bincount(bucket)[bucket] >= 2)
    prefix = np.zeros(int(lengths.sum()) + 1, dtype=np.int64)
    if repeated:
        np.cumsum(np.concatenate(repeated), out=prefix[1:])
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
    units = np.concatenate([t.units for t in texts]) if texts else np.zeros((0, 2), np.int64)
    first_hash = (np.cumsum(lengths) - lengths)[owner]
    starts = units[:, 0] + first_hash
    rows = np.maximum(units[:, 1] - k + 1, units[:, 0]) + first_hash - starts
    held = prefix[starts + rows] - prefix[starts]
    flags = np.zeros(len(texts), dtype=bool)
    flags[owner[(held >= 1) & (2 * held >= rows)]] = True
    return flags & (counts >= 2)


_MAX_TABLE_BITS = 22
"""The largest table :func:`may_self_pair` counts a text's hashes in (32 MiB): a longer
text gets fewer cells a row, and more of its rows count as repeated."""
_MAX_UNITS = (1 << 16) - 1
"""Units a text may have for :func:`_self_unit_pairs` to join it with others (16 bits of
a 64-bit code with the 32-bit hash and the text's number)."""
_MAX_TEXTS = 32
"""Texts joined at once: enough to share numpy's per-call cost, few enough for the
arrays to stay in the CPU cache (measured fastest between 16 and 64)."""


def _self_unit_pairs(texts: Sequence[Prepared], config: DetectorConfig) -> list[tuple[int, int]]:
    """:func:`unit_pairs` of texts with themselves, vectorised over all of them: each run
    of one text's units holding one hash gives all its pairs ``i < j`` (at most
    ``_FULL_JOIN`` units) or the pairs of neighbours in it (more).

    Units are numbered across the texts, in order; a single text may have any number of
    units, several at most ``_MAX_UNITS`` each.
    """
    counts = np.array([t.units.shape[0] for t in texts], dtype=np.int64)
    if counts.sum() < 2:
        return []
    text = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
    first_unit = np.cumsum(counts) - counts
    lengths = np.array([t.hashes.shape[0] for t in texts], dtype=np.int64)
    first_hash = np.cumsum(lengths) - lengths
    units = np.concatenate([t.units for t in texts])
    k = config.shingle_size
    starts = units[:, 0] + first_hash[text]
    ends = np.maximum(units[:, 1] - k + 1, units[:, 0]) + first_hash[text]
    idx, unit = ranges(starts, ends)
    hashes = np.concatenate([t.hashes for t in texts])[idx].astype(np.uint64)
    if len(texts) == 1:  # any number of units: (hash, unit)
        codes = distinct((hashes << np.uint64(32)) | unit.astype(np.uint64))
        key = codes >> np.uint64(32)
        unit = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    else:  # (text, hash, unit within the text)
        local = (unit - first_unit[text[unit]]).astype(np.uint64)
        codes = distinct(
            (text[unit].astype(np.uint64) << np.uint64(48)) | (hashes << np.uint64(16)) | local
        )
        key = codes >> np.uint64(16)
        local = (codes & np.uint64(0xFFFF)).astype(np.int64)
        unit = first_unit[(codes >> np.uint64(48)).astype(np.int64)] + local
    sizes = np.bincount(unit, minlength=int(counts.sum())).astype(np.int64)
    # Only rows whose hash another unit of the text holds can pair.
    held = np.zeros(key.shape[0], dtype=bool)
    np.equal(key[1:], key[:-1], out=held[1:])
    held[:-1] |= held[1:]
    key, unit = key[held], unit[held]
    rows = key.shape[0]
    first = np.ones(rows, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    run_id = np.cumsum(first) - 1
    run_start = np.flatnonzero(first)
    run_end = np.append(run_start[1:], rows)[run_id]  # per row: the end of its run
    run_length = (run_end - run_start[run_id]).astype(np.int64)
    position = np.arange(rows, dtype=np.int64)
    # Each row meets the rows after it in its run: all of them, or the next one.
    stop = np.where(run_length <= _FULL_JOIN, run_end, np.minimum(position + 2, run_end))
    later, row = ranges(position + 1, stop)
    if later.shape[0] == 0:
        return []
    return _overlapping(unit[row], unit[later], sizes, sizes, config)


def _cross_pairs(a: Prepared, b: Prepared, config: DetectorConfig) -> list[tuple[int, int]]:
    """:func:`unit_pairs` across two texts, as a vectorised sort-merge join on hashes.

    Each row of ``a`` (a shingle of a unit) meets the rows of ``b`` with the same hash:
    all of them, or, for a hash held by too many units on both sides (more than
    ``_FULL_JOIN ** 2`` pairs), the first row of each side meets all of the other's.
    """
    a_hashes, a_units = a.shingles_by_hash
    b_hashes, b_units = b.shingles_by_hash
    size = a.units.shape[0] * b.units.shape[0]
    if size <= _DENSE_PAIRS and (loops := loops_for(a_hashes.shape[0] + b_hashes.shape[0])):
        shared = np.zeros((a.units.shape[0], b.units.shape[0]), dtype=np.int32)
        loops.cross_counts(a.shingles_by_hash, b.shingles_by_hash, shared, _FULL_JOIN)
        i, j = np.nonzero(shared)
        return _enough(i, j, shared[i, j], (a.unit_sizes, b.unit_sizes), config)
    lo = np.searchsorted(b_hashes, a_hashes, side="left")
    found = np.searchsorted(b_hashes, a_hashes, side="right") - lo
    if not found.any():
        return []
    # Rows of ``a`` holding the same hash are adjacent: the run of each, and its first.
    first = np.ones(a_hashes.shape[0], dtype=bool)
    first[1:] = a_hashes[1:] != a_hashes[:-1]
    run_id = np.cumsum(first) - 1
    run_length = np.bincount(run_id)[run_id]
    full = run_length * found <= _FULL_JOIN * _FULL_JOIN
    take = np.where(full | first, found, np.minimum(found, 1))
    b_rows, a_rows = ranges(lo, lo + take)
    return _overlapping(a_units[a_rows], b_units[b_rows], a.unit_sizes, b.unit_sizes, config)


def _overlapping(
    i_rows: npt.NDArray[np.signedinteger[Any]],
    j_rows: npt.NDArray[np.signedinteger[Any]],
    i_sizes: I64,
    j_sizes: I64,
    config: DetectorConfig,
) -> list[tuple[int, int]]:
    """The unit pairs ``(i, j)``, one per shared shingle row, that share enough of the
    smaller unit's shingles, in order."""
    count = int(j_sizes.shape[0])
    pairs, shared = bounded_counts(
        i_rows.astype(np.int64) * count + j_rows, int(i_sizes.shape[0]) * count
    )
    return _enough(pairs // count, pairs % count, shared, (i_sizes, j_sizes), config)


def _enough(
    i: npt.NDArray[np.intp],
    j: npt.NDArray[np.intp],
    shared: npt.NDArray[np.signedinteger[Any]],
    sizes: tuple[I64, I64],
    config: DetectorConfig,
) -> list[tuple[int, int]]:
    """The unit pairs ``(i, j)`` sharing ``shared`` shingles that share enough of the
    smaller unit's shingles (``sizes``: each side's units' shingle counts)."""
    i_sizes, j_sizes = sizes
    smaller = np.minimum(i_sizes[i], j_sizes[j])
    keep = (shared >= np.minimum(smaller, _MIN_SHARED)) & (
        shared >= config.verify_containment * smaller
    )
    return list(zip(i[keep].tolist(), j[keep].tolist(), strict=True))


def align(
    a: Prepared,
    a_range: tuple[int, int],
    b: Prepared,
    b_range: tuple[int, int],
    config: DetectorConfig,
) -> Region | None:
    """Align two units; the best-scoring stretch of matching blocks, if it is reuse."""
    a0, a1 = a_range
    b0, b1 = b_range
    blocks = [
        m
        for m in LCSseq.opcodes(a.folded.text[a0:a1], b.folded.text[b0:b1]).as_matching_blocks()
        if m.size >= _MIN_BLOCK
    ]
    if not blocks:
        return None
    # Kadane over blocks: matched characters score, gaps between blocks cost.
    best = (0.0, 0, 0)
    run_score, run_start = 0.0, 0
    for n, m in enumerate(blocks):
        if n > 0:
            prev = blocks[n - 1]
            gap = max(m.a - prev.a - prev.size, m.b - prev.b - prev.size)
            run_score -= _GAP_PENALTY * gap
        if run_score <= 0:
            run_score, run_start = 0.0, n
        run_score += m.size
        if run_score > best[0]:
            best = (run_score, run_start, n)
    _, first, last = best
    chosen = blocks[first : last + 1]
    matched = sum(m.size for m in chosen)
    a_text, b_text = a.folded.text, b.folded.text
    a_start, b_start = a0 + chosen[0].a, b0 + chosen[0].b
    a_end, b_end = a0 + chosen[-1].a + chosen[-1].size, b0 + chosen[-1].b + chosen[-1].size
    # LCS may have spent the letters just outside the run elsewhere: take them back
    # where both sides agree.
    while a_start > a0 and b_start > b0 and a_text[a_start - 1] == b_text[b_start - 1]:
        a_start, b_start, matched = a_start - 1, b_start - 1, matched + 1
    while a_end < a1 and b_end < b1 and a_text[a_end] == b_text[b_end]:
        a_end, b_end, matched = a_end + 1, b_end + 1, matched + 1
    region = Region(a_start, a_end, b_start, b_end, matched)
    if not _figures_agree(
        a.folded.text, b.folded.text, [(a0 + m.a, b0 + m.b, m.size) for m in chosen]
    ):
        return None
    shorter = min(a1 - a0, b1 - b0)
    # A unit's alignment may be short (a short sentence); the passage it joins must
    # reach its caller's minimum, which chain() checks.
    if (
        matched < min(_MIN_SHARED + config.shingle_size, shorter)
        or matched < config.min_unit_coverage * shorter
        or region.similarity < config.min_similarity
    ):
        return None
    return region


def longest_run(a: Prepared, b: Prepared, region: Region) -> int:
    """The most characters a region aligns in one run: matching blocks that follow each
    other with at most ``_RUN_GAP`` characters skipped on either side.

    Two prints of one text differ by misread letters, so a run goes on through them; two
    uses of one formula (a death notice, a shareholders' meeting called) differ where it
    was filled in, by a name or a date, and each such place ends a run. Letters the
    boilerplate rules flagged count too when both sides print them (unlike a region's
    ``matched``): counted on body letters only, impresso recall with ``--preset ocr``
    falls by four pairs, to 0.9199 (2026-12-07).
    """
    blocks = LCSseq.opcodes(
        a.folded.text[region.a_start : region.a_end], b.folded.text[region.b_start : region.b_end]
    ).as_matching_blocks()
    best = run = 0
    a_at = b_at = -_RUN_GAP - 1  # the first block starts a run
    for m in blocks:
        if m.size < _MIN_BLOCK:
            continue
        run = run + m.size if max(m.a - a_at, m.b - b_at) <= _RUN_GAP else m.size
        best = max(best, run)
        a_at, b_at = m.a + m.size, m.b + m.size
    return best


def _figures_agree(a_text: str, b_text: str, blocks: list[tuple[int, int, int]]) -> bool:
    """Same words with other figures (monthly receipts, casualty lists) are a template,
    not reuse: where the two sides print different figures at the same place, the
    figures they do share must be at least as many.

    Only gaps between matching blocks with digits on both sides count against, digit
    for digit: a digit opposite letters is OCR damage ("20,000" read as "O, OOO"), not
    another figure, and so is the surplus of a gap where a scan read more digits.
    """
    aligned = 0
    conflicting = 0
    a_end = b_end = -1
    for a_start, b_start, size in blocks:
        aligned += _digit_count(a_text, a_start, a_start + size)
        if a_end >= 0:
            a_gap = _digit_count(a_text, a_end, a_start)
            b_gap = _digit_count(b_text, b_end, b_start)
            if a_gap and b_gap:
                conflicting += 2 * min(a_gap, b_gap)
        a_end, b_end = a_start + size, b_start + size
    if conflicting < _MIN_FIGURES:
        return True
    return 2 * aligned >= _FIGURES_AGREE * (2 * aligned + conflicting)


def _digit_count(text: str, start: int, end: int) -> int:
    return len(_DIGITS.findall(text, start, end))


def regions(a: Prepared, b: Prepared | None, config: DetectorConfig) -> list[Region]:
    """Verified aligned regions between ``a`` and ``b`` (or ``a`` and itself)."""
    other = a if b is None else b
    found = []
    for i, j in unit_pairs(a, b, config):
        a_range = (int(a.units[i, 0]), int(a.units[i, 1]))
        b_range = (int(other.units[j, 0]), int(other.units[j, 1]))
        region = align(a, a_range, other, b_range, config)
        if region is not None:
            found.append(region)
    return found


def chain(
    found: list[Region], a_body: I64, b_body: I64, config: DetectorConfig, min_chars: int
) -> list[Region]:
    """Chain regions that continue each other on both sides into passages.

    Gaps are measured in body characters (``*_body`` are body prefix counts), so a
    heading or a link line between two reused paragraphs does not break a passage.
    When text repeats (a line printed three times on both sides), the diagonal chain
    wins and chains that shadow it on both sides are dropped. Passages with fewer than
    ``min_chars`` aligned characters are dropped.
    """
    slack = config.shingle_size
    passages: list[Region] = []
    for r in sorted(found, key=lambda r: (r.a_start, r.b_start)):
        best, best_gap = -1, 0
        for n, p in enumerate(passages):
            if r.a_start < p.a_end - slack or r.b_start < p.b_end - slack:
                continue
            gap_a = int(a_body[r.a_start]) - int(a_body[min(p.a_end, r.a_start)])
            gap_b = int(b_body[r.b_start]) - int(b_body[min(p.b_end, r.b_start)])
            if gap_a > config.max_gap_chars or gap_b > config.max_gap_chars:
                continue
            if best < 0 or gap_a + gap_b < best_gap:
                best, best_gap = n, gap_a + gap_b
        if best < 0:
            passages.append(r)
        else:
            p = passages[best]
            passages[best] = Region(
                p.a_start,
                max(p.a_end, r.a_end),
                p.b_start,
                max(p.b_end, r.b_end),
                p.matched + r.matched,
            )
    kept: list[Region] = []
    for p in sorted(passages, key=lambda p: (-p.matched, p.a_start, p.b_start)):
        if p.matched < min_chars:
            continue
        if any(_mostly_inside(p, q) for q in kept):
            continue
        kept.append(p)
    return kept


def _overlap(start: int, end: int, other_start: int, other_end: int) -> int:
    return max(0, min(end, other_end) - max(start, other_start))


def _mostly_inside(p: Region, q: Region) -> bool:
    """Whether ``p`` lies mostly inside ``q`` on both sides (a shadow of ``q``)."""
    a = _overlap(p.a_start, p.a_end, q.a_start, q.a_end) * 2 > p.a_end - p.a_start
    b = _overlap(p.b_start, p.b_end, q.b_start, q.b_end) * 2 > p.b_end - p.b_start
    return a and b


def passages(
    a: Prepared, b: Prepared, config: DetectorConfig, min_chars: int | None = None
) -> list[Region]:
    """The passages two articles share: aligned unit pairs chained, each chain extended
    past the edges of its units, then chained again; passages under ``min_chars``
    aligned characters (``min_passage_chars`` unless given) are dropped.

    Two copies are often cut into units differently (an OCR line read as a sentence
    end, a heading joined on one side only), so a unit of one side can overlap two of
    the other without sharing half of either's shingles. Extending a verified chain
    along its diagonal recovers the text on both sides of it.
    """
    found = regions(a, b, config)
    if not found:
        return []
    chained = sorted(chain(found, a.body_prefix, b.body_prefix, config, 0), key=_start)
    # In order, so that each passage grows back only to where the one before it grew.
    for n, region in enumerate(chained):
        chained[n] = _extend(a, b, region, chained)
    minimum = config.min_passage_chars if min_chars is None else min_chars
    return chain(chained, a.body_prefix, b.body_prefix, config, minimum)


def _start(region: Region) -> tuple[int, int]:
    return region.a_start, region.b_start


def _extend(a: Prepared, b: Prepared, region: Region, others: list[Region]) -> Region:
    """``region`` grown forward and backward along its diagonal over body text, up to the
    passages before and after it on both sides."""
    a_stop, b_stop = len(a.folded), len(b.folded)
    a_from = b_from = 0
    for q in others:
        if q.a_start >= region.a_end and q.b_start >= region.b_end:
            a_stop, b_stop = min(a_stop, q.a_start), min(b_stop, q.b_start)
        elif q.a_end <= region.a_start and q.b_end <= region.b_start:
            a_from, b_from = max(a_from, q.a_end), max(b_from, q.b_end)
    a_end, b_end, ahead = _reach(a, b, (region.a_end, region.b_end), (a_stop, b_stop), 1)
    a_start, b_start, behind = _reach(a, b, (region.a_start, region.b_start), (a_from, b_from), -1)
    return Region(a_start, a_end, b_start, b_end, region.matched + ahead + behind)


def _reach(
    a: Prepared, b: Prepared, edge: tuple[int, int], limit: tuple[int, int], step: int
) -> tuple[int, int, int]:
    """Where a passage's edge gets to, window after window, towards ``limit`` (``step``
    1: forward, -1: backward), and the characters matched on the way."""
    (a_at, b_at), (a_limit, b_limit) = edge, limit
    matched = 0
    while True:
        a_to = a_at + max(-_EXTEND_WINDOW, min(_EXTEND_WINDOW, a_limit - a_at))
        b_to = b_at + max(-_EXTEND_WINDOW, min(_EXTEND_WINDOW, b_limit - b_at))
        a_len, b_len, gained = _grow(a, (a_at, a_to), b, (b_at, b_to))
        a_at, b_at, matched = a_at + step * a_len, b_at + step * b_len, matched + gained
        if gained == 0 or max(a_len, b_len) < _EXTEND_WINDOW // 2:
            return a_at, b_at, matched


def _grow(
    a: Prepared, a_span: tuple[int, int], b: Prepared, b_span: tuple[int, int]
) -> tuple[int, int, int]:
    """How far an alignment anchored at ``a_span[0]`` and ``b_span[0]`` goes towards
    ``a_span[1]`` and ``b_span[1]`` (either way) with profit, and the characters it
    matches there: matching blocks over body text on both sides score their length,
    body characters skipped between them cost one each (the larger side's count)."""
    a_window, a_seen = _window(a, a_span)
    b_window, b_seen = _window(b, b_span)
    if a_window is None or b_window is None:
        return 0, 0, 0
    score = best = 0.0
    a_at = b_at = matched = 0
    out = (0, 0, 0)
    for a_pos, b_pos, size in _body_blocks(*a_window, *b_window):
        score -= max(a_seen[a_pos] - a_seen[a_at], b_seen[b_pos] - b_seen[b_at])
        if score < best - _EXTEND_DROP:
            break
        score += size
        matched += size
        a_at, b_at = a_pos + size, b_pos + size
        if score > best:
            best, out = score, (a_at, b_at, matched)
    return out


def _window(
    p: Prepared, span: tuple[int, int]
) -> tuple[tuple[str, npt.NDArray[np.bool_]] | None, I64]:
    """The folded text and body mask from ``span[0]`` towards ``span[1]`` (reversed when
    backward), with the body characters before each position; None without body text."""
    anchor, to = span
    low, high = min(anchor, to), max(anchor, to)
    prefix = p.body_prefix
    if high == low or prefix[high] == prefix[low]:
        return None, prefix[:0]
    text, mask = p.folded.text[low:high], p.body_mask[low:high]
    if to >= anchor:
        return (text, mask), prefix[low : high + 1] - prefix[low]
    return (text[::-1], mask[::-1]), prefix[high] - prefix[low : high + 1][::-1]


def _body_blocks(
    a_text: str, a_mask: npt.NDArray[np.bool_], b_text: str, b_mask: npt.NDArray[np.bool_]
) -> list[tuple[int, int, int]]:
    """LCS matching blocks of at least ``_MIN_BLOCK`` characters, cut to the stretches
    that are body text on both sides."""
    out = []
    for m in LCSseq.opcodes(a_text, b_text).as_matching_blocks():
        if m.size < _MIN_BLOCK:
            continue
        both = a_mask[m.a : m.a + m.size] & b_mask[m.b : m.b + m.size]
        if both.all():
            out.append((m.a, m.b, m.size))
            continue
        edges = np.flatnonzero(np.diff(np.concatenate(([0], both.view(np.int8), [0]))))
        for start, end in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            if end - start >= _MIN_BLOCK:
                out.append((m.a + start, m.b + start, end - start))
    return out
