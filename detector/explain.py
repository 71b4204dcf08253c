"""Why two articles are, or are not, reported as sharing text: the engine's steps run on
one pair, each with what it found and what it needs.

The pair is looked at alone. In a corpus or an index two more rules apply, which a pair
cannot show: text that more than ``common_df`` articles carry counts only in passages of
``common_passage_chars`` aligned characters with a run of ``common_run_chars`` (see
``detector.score.compare``), and a query verifies at most
``max_candidates`` articles, skipping buckets of more than ``hot_bucket_cap``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detector.align import longest_run, passages, regions, unit_pairs
from detector.config import DetectorConfig
from detector.prepare import Prepared
from detector.score import Comparison, compare, counts_as_reuse

STEPS = ("body", "candidates", "unit pairs", "alignment", "passages")
"""The steps in the order the engine runs them; every one is run, whatever the others."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the engine on the pair: whether the pair gets through, and why."""

    name: str
    passed: bool
    found: str
    """What the step found and what it needs, in a sentence."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """The steps on one pair and, when the two share passages, what they share."""

    steps: tuple[Step, ...]
    comparison: Comparison | None
    shared_shingles: float
    """Share of the smaller body's distinct shingles that the other body has too."""

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "lost_at": self.lost_at,
            "shared_shingles": round(self.shared_shingles, 4),
            "steps": [{"name": s.name, "passed": s.passed, "found": s.found} for s in self.steps],
        }

    @property
    def lost_at(self) -> str | None:
        """The first verification step that stops the pair, else ``candidates`` when LSH
        alone keeps the two apart, else None (the pair is reported)."""
        for step in self.steps:
            if step.name != "candidates" and not step.passed:
                return step.name
        return None if self.step("candidates").passed else "candidates"


def explain(a: Prepared, b: Prepared, config: DetectorConfig) -> Explanation:
    """Run every step of the engine on ``a`` and ``b`` alone (see the module doc).

    >>> from detector.model import Article
    >>> from detector.prepare import prepare
    >>> text = "Le Conseil fédéral a décidé hier de convoquer les chambres en session."
    >>> why = explain(prepare(Article("a", text), DetectorConfig()),
    ...               prepare(Article("b", "Météo : du soleil sur tout le pays demain."),
    ...                       DetectorConfig()), DetectorConfig())
    >>> why.lost_at, why.step("candidates").passed
    ('unit pairs', False)
    """
    has_body = bool(a.units.shape[0] and b.units.shape[0])
    found_pairs = unit_pairs(a, b, config) if has_body else []
    aligned = regions(a, b, config) if found_pairs else []
    chained = passages(a, b, config, min_chars=0) if aligned else []
    longest = max(chained, key=lambda p: p.matched, default=None)
    longest_said = (
        "none"
        if longest is None
        else f"{longest.matched} letters, {longest_run(a, b, longest)} in one run"
    )
    kept = sum(
        p.matched >= config.min_passage_chars and counts_as_reuse(a, b, p, config) for p in chained
    )
    hits = max(_band_hits(a, b), _band_hits(b, a))
    steps = (
        Step(
            "body",
            has_body,
            f"{a.units.shape[0]} and {b.units.shape[0]} units of body text"
            + ("" if has_body else " (a side with none is all boilerplate)"),
        ),
        Step(
            "candidates",
            hits >= config.min_band_hits,
            f"{_count(hits, 'shared LSH bucket')} between indexed units (a candidate "
            f"needs {config.min_band_hits})",
        ),
        Step(
            "unit pairs",
            bool(found_pairs),
            f"{_count(len(found_pairs), 'unit pair')} where one unit holds at least "
            f"{config.verify_containment:.0%} of the other's shingles",
        ),
        Step(
            "alignment",
            bool(aligned),
            f"{len(aligned)} of them align with similarity at least "
            f"{config.min_similarity:g} over at least {config.min_unit_coverage:.0%} of "
            "the shorter unit",
        ),
        Step(
            "passages",
            kept > 0,
            f"{_count(kept, 'passage')} of at least {config.min_passage_chars} aligned "
            f"letters, and under {config.common_passage_chars} at least "
            f"{config.short_run_chars} in one run (the longest: {longest_said})",
        ),
    )
    return Explanation(steps, compare(a, b, config), _shared_shingles(a, b))


def _band_hits(query: Prepared, other: Prepared) -> int:
    """Buckets ``other`` shares with the indexable units of ``query``, counted as the
    candidate rule counts them (per query unit)."""
    theirs = other.lookup_keys()
    mine = query.keys[query.indexable]
    return int(np.isin(mine, theirs).sum())


def _shared_shingles(a: Prepared, b: Prepared) -> float:
    mine, theirs = np.unique(a.shingles_by_hash[0]), np.unique(b.shingles_by_hash[0])
    smaller = min(mine.shape[0], theirs.shape[0])
    return float(np.intersect1d(mine, theirs).shape[0] / smaller) if smaller else 0.0


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
