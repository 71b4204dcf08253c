"""Article-level coverage, score and kind of a verified pair."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detector.align import Region, chain, regions
from detector.config import DetectorConfig
from detector.model import Kind, Passage
from detector.prepare import Prepared
from detector.text import I64


@dataclass(frozen=True, slots=True)
class Comparison:
    """What ``a`` and ``b`` share: passages on the folded streams, coverages, kind."""

    passages: tuple[Region, ...]
    a_coverage: float
    b_coverage: float
    similarity: float
    kind: Kind
    score: float

    def swapped(self) -> Comparison:
        return Comparison(
            tuple(sorted((p.swapped() for p in self.passages), key=lambda p: p.a_start)),
            self.b_coverage,
            self.a_coverage,
            self.similarity,
            self.kind,
            self.score,
        )

    def spans(self, a: Prepared, b: Prepared) -> tuple[Passage, ...]:
        """The passages as spans of the original texts of ``a`` and ``b``."""
        return tuple(
            Passage(
                a.folded.original_span(p.a_start, p.a_end),
                b.folded.original_span(p.b_start, p.b_end),
                min(p.similarity, 1.0),
            )
            for p in self.passages
        )


def kind_of(a_coverage: float, b_coverage: float, config: DetectorConfig) -> Kind:
    """DESIGN.md's kinds: duplicate, republication or partial.

    >>> kind_of(0.95, 0.92, DetectorConfig()), kind_of(1.0, 0.4, DetectorConfig())
    ('duplicate', 'republication')
    """
    if min(a_coverage, b_coverage) >= config.duplicate_coverage:
        return "duplicate"
    if max(a_coverage, b_coverage) >= config.republication_coverage:
        return "republication"
    return "partial"


def coverage(body_prefix: I64, spans: list[tuple[int, int]]) -> float:
    """Share of body characters inside the union of folded ``spans``."""
    total = int(body_prefix[-1])
    if total == 0 or not spans:
        return 0.0
    covered = 0
    end_so_far = 0
    for start, end in sorted(spans):
        start = max(start, end_so_far)
        if end > start:
            covered += int(body_prefix[end]) - int(body_prefix[start])
            end_so_far = end
    return min(covered / total, 1.0)


def compare(a: Prepared, b: Prepared, config: DetectorConfig) -> Comparison | None:
    """Verify and align two articles; None when they share no passage.

    Symmetric: ``compare(b, a)`` is ``compare(a, b).swapped()``, whatever the order.
    """
    if (b.article.id, b.article.text) < (a.article.id, a.article.text):
        flipped = compare(b, a, config)
        return None if flipped is None else flipped.swapped()
    found = regions(a, b, config)
    if not found:
        return None
    passages = chain(found, a.body_prefix, b.body_prefix, config)
    if not passages:
        return None
    return summarise(passages, a.body_prefix, b.body_prefix, config)


def summarise(
    passages: list[Region], a_body: I64, b_body: I64, config: DetectorConfig
) -> Comparison:
    a_cov = coverage(a_body, [(p.a_start, p.a_end) for p in passages])
    b_cov = coverage(b_body, [(p.b_start, p.b_end) for p in passages])
    matched = sum(p.matched for p in passages)
    length = sum(p.a_end - p.a_start + p.b_end - p.b_start for p in passages)
    similarity = min(2.0 * matched / max(length, 1), 1.0)
    ordered = tuple(sorted(passages, key=lambda p: (p.a_start, p.b_start)))
    return Comparison(
        passages=ordered,
        a_coverage=a_cov,
        b_coverage=b_cov,
        similarity=similarity,
        kind=kind_of(a_cov, b_cov, config),
        score=float(np.clip(similarity * max(a_cov, b_cov), 0.0, 1.0)),
    )
