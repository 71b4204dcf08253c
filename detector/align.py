"""Verification and passage alignment between two prepared articles (or one and itself).

Candidate article pairs come from LSH; here every unit of one side is compared with
every unit of the other through their exact shingle sets (a sparse join on hashes), the
pairs that share enough are aligned character by character with rapidfuzz on the
folded stream, and the aligned regions are chained into passages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import LCSseq

from detector.config import DetectorConfig
from detector.prepare import Prepared
from detector.text import I64

_MIN_BLOCK = 3
"""Matching blocks shorter than this are chance agreements of letters, not reuse."""
_GAP_PENALTY = 1.0
"""Score lost per unmatched character between two blocks when trimming an alignment."""
_MIN_SHARED = 8
"""Shingles two units must share before they are aligned at all."""


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


def unit_pairs(a: Prepared, b: Prepared | None, config: DetectorConfig) -> I64:
    """Unit pairs ``(i, j)`` whose shingle sets overlap enough to be worth aligning.

    With ``b`` None, pairs ``i < j`` of ``a`` with itself.
    """
    same = b is None
    other = a if b is None else b
    ah, au, asizes = a.unit_shingles
    bh, bu, bsizes = other.unit_shingles
    common = np.intersect1d(ah, bh)
    if common.shape[0] < _MIN_SHARED:
        return np.zeros((0, 2), dtype=np.int64)
    a_sel = np.isin(ah, common)
    ah_c, au_c = ah[a_sel], au[a_sel].astype(np.int64)
    b_sel = np.isin(bh, common)
    bh_c, bu_c = bh[b_sel], bu[b_sel].astype(np.int64)
    # Join on hash: every a entry meets every b entry with the same hash.
    b_first = np.searchsorted(bh_c, common, side="left")
    b_count = np.searchsorted(bh_c, common, side="right") - b_first
    slot = np.searchsorted(common, ah_c)
    reps = b_count[slot]
    a_units = np.repeat(au_c, reps)
    within = np.arange(a_units.shape[0], dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    b_units = bu_c[np.repeat(b_first[slot], reps) + within]
    n_b = int(bsizes.shape[0])
    codes, shared = np.unique(a_units * n_b + b_units, return_counts=True)
    i, j = codes // n_b, codes % n_b
    smaller = np.minimum(asizes[i], bsizes[j])
    keep = (shared >= _MIN_SHARED) & (shared >= config.verify_containment * smaller)
    if same:
        keep &= i < j
    return np.stack([i[keep], j[keep]], axis=1)


def align(
    a: Prepared, a_range: tuple[int, int], b: Prepared, b_range: tuple[int, int],
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
    region = Region(
        a0 + chosen[0].a,
        a0 + chosen[-1].a + chosen[-1].size,
        b0 + chosen[0].b,
        b0 + chosen[-1].b + chosen[-1].size,
        matched,
    )
    shorter = min(a1 - a0, b1 - b0)
    # A unit's alignment may be short (a short sentence); the passage it joins must
    # reach min_passage_chars, which chain() checks.
    if (
        matched < _MIN_SHARED + config.shingle_size
        or matched < config.min_unit_coverage * shorter
        or region.similarity < config.min_similarity
    ):
        return None
    return region


def regions(a: Prepared, b: Prepared | None, config: DetectorConfig) -> list[Region]:
    """Verified aligned regions between ``a`` and ``b`` (or ``a`` and itself)."""
    other = a if b is None else b
    found = []
    for i, j in unit_pairs(a, b, config).tolist():
        a_range = (int(a.units[i, 0]), int(a.units[i, 1]))
        b_range = (int(other.units[j, 0]), int(other.units[j, 1]))
        region = align(a, a_range, other, b_range, config)
        if region is not None:
            found.append(region)
    return found


def chain(found: list[Region], a_body: I64, b_body: I64, config: DetectorConfig) -> list[Region]:
    """Chain regions that continue each other on both sides into passages.

    Gaps are measured in body characters (``*_body`` are body prefix counts), so a
    heading or a link line between two reused paragraphs does not break a passage.
    Passages with fewer than ``min_passage_chars`` aligned characters are dropped.
    """
    passages: list[Region] = []
    for r in sorted(found, key=lambda r: (r.a_start, r.b_start)):
        for n in range(len(passages) - 1, -1, -1):
            p = passages[n]
            gap_a = int(a_body[r.a_start]) - int(a_body[min(p.a_end, r.a_start)])
            gap_b = int(b_body[r.b_start]) - int(b_body[min(p.b_end, r.b_start)])
            if (
                r.a_start >= p.a_start
                and r.b_start >= p.b_start
                and r.a_start - p.a_end >= -config.min_passage_chars
                and r.b_start - p.b_end >= -config.min_passage_chars
                and gap_a <= config.max_gap_chars
                and gap_b <= config.max_gap_chars
            ):
                passages[n] = Region(
                    p.a_start,
                    max(p.a_end, r.a_end),
                    p.b_start,
                    max(p.b_end, r.b_end),
                    p.matched + r.matched,
                )
                break
        else:
            passages.append(r)
    return [p for p in passages if p.matched >= config.min_passage_chars]
