"""Article-level coverage, score and kind of a verified pair."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detector.align import Region, longest_run, passages
from detector.config import DetectorConfig
from detector.model import Kind, Passage
from detector.prepare import Bools, Prepared
from detector.text import I64, widen


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
                widen(a.article.text, *a.folded.original_span(p.a_start, p.a_end)),
                widen(b.article.text, *b.folded.original_span(p.b_start, p.b_end)),
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


def coverage(
    body_prefix: I64, spans: list[tuple[int, int]], ignored: Sequence[tuple[int, int]] = ()
) -> float:
    """Share of body characters inside the union of folded ``spans``.

    Body characters in ``ignored`` spans and outside ``spans`` leave the denominator.
    """
    total = int(body_prefix[-1])
    covered = _union_chars(body_prefix, spans)
    if ignored:
        total -= _union_chars(body_prefix, [*spans, *ignored]) - covered
    if total <= 0 or not spans:
        return 0.0
    return min(covered / total, 1.0)


def _union_chars(body_prefix: I64, spans: list[tuple[int, int]]) -> int:
    covered = 0
    reached = 0
    for start, end in sorted(spans):
        begin = max(start, reached)
        if end > begin:
            covered += int(body_prefix[end]) - int(body_prefix[begin])
            reached = end
    return covered


def compare(
    a: Prepared,
    b: Prepared,
    config: DetectorConfig,
    a_common: Bools | None = None,
    b_common: Bools | None = None,
) -> Comparison | None:
    """Verify and align two articles; None when they share no passage.

    ``*_common`` flag units whose text many indexed articles carry (formulas, furniture
    that escaped the boilerplate rules; see ``detector.matcher.common_units``). A passage
    made only of common units counts only when it is long (``common_passage_chars``) and
    unbroken (a run of ``common_run_chars``, see ``detector.align.longest_run``): a
    death-notice formula or a cookie notice is not reuse, even filled in with other
    names over two hundred letters, a wire story reprinted by hundreds of outlets is.
    Any passage shorter than ``common_passage_chars`` needs a run of
    ``short_run_chars``: a few words shared between other names and figures (an
    advertisement's "write under cipher ... to the agency ...") are a template.
    Common units left unmatched leave the coverage denominator.

    Symmetric: ``compare(b, a, c, bc, ac)`` is ``compare(a, b, c, ac, bc).swapped()``.
    """
    if (b.article.id, b.article.text) < (a.article.id, a.article.text):
        flipped = compare(b, a, config, b_common, a_common)
        return None if flipped is None else flipped.swapped()
    found = passages(a, b, config)
    if not found:
        return None
    # Common units nobody reused here are furniture of that side's site, not body.
    ignored = (_unit_spans(a.units, a_common), _unit_spans(b.units, b_common))
    kept = [
        p for p in found if counts_as_reuse(a, b, p, config, a_common=a_common, b_common=b_common)
    ]
    if not kept:
        return None
    return summarise(kept, a.body_prefix, b.body_prefix, config, ignored)


def counts_as_reuse(
    a: Prepared,
    b: Prepared,
    p: Region,
    config: DetectorConfig,
    *,
    a_common: Bools | None = None,
    b_common: Bools | None = None,
) -> bool:
    """Whether passage ``p`` of ``a`` and ``b`` counts as reuse (see :func:`compare`)."""
    if _all_common(a.units, a_common, p.a_start, p.a_end) or _all_common(
        b.units, b_common, p.b_start, p.b_end
    ):
        return (
            p.matched >= config.common_passage_chars
            and longest_run(a, b, p) >= config.common_run_chars
        )
    return (
        p.matched >= config.common_passage_chars or longest_run(a, b, p) >= config.short_run_chars
    )


def _unit_spans(units: I64, common: Bools | None) -> list[tuple[int, int]]:
    if common is None:
        return []
    return [(int(s), int(e)) for s, e in units[common].tolist()]


def _all_common(units: I64, common: Bools | None, start: int, end: int) -> bool:
    if common is None:
        return False
    inside = (units[:, 0] < end) & (units[:, 1] > start)
    return bool(inside.any()) and bool(common[inside].all())


def summarise(
    passages: list[Region],
    a_body: I64,
    b_body: I64,
    config: DetectorConfig,
    ignored: tuple[Sequence[tuple[int, int]], Sequence[tuple[int, int]]] = ((), ()),
) -> Comparison:
    """Coverages, similarity, kind and score of a set of passages."""
    a_cov = coverage(a_body, [(p.a_start, p.a_end) for p in passages], ignored[0])
    b_cov = coverage(b_body, [(p.b_start, p.b_end) for p in passages], ignored[1])
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
