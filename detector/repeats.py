"""Repetition inside one text: the same machinery, run on an article against itself."""

from __future__ import annotations

from collections.abc import Sequence

from detector.align import Region, chain, regions, self_paired
from detector.config import DetectorConfig
from detector.model import InternalRepeats, RepeatSpan
from detector.prepare import Prepared
from detector.score import coverage
from detector.text import widen


def internal_repeats(article: Prepared, config: DetectorConfig) -> InternalRepeats:
    """Passages that repeat earlier text of the same article.

    For each repeated unit the best earlier occurrence is kept (the nearest among
    equals), so copies printed one after another chain into one repeat: the text
    from the second copy to the last repeats the text from the first to the one
    before last, and ``first`` and ``repeat`` may overlap.
    """
    best: dict[int, Region] = {}
    for r in regions(article, None, config):
        if r.b_start < r.a_end:
            continue
        held = best.get(r.b_start)
        if held is None or (r.matched, r.a_start) > (held.matched, held.a_start):
            best[r.b_start] = r
    if not best:
        return InternalRepeats()
    body = article.body_prefix
    passages = chain(list(best.values()), body, body, config, config.min_repeat_chars)
    if not passages:
        return InternalRepeats()
    fraction = coverage(body, [(p.b_start, p.b_end) for p in passages])
    text = article.article.text
    spans = tuple(
        RepeatSpan(
            widen(text, *article.folded.original_span(p.a_start, p.a_end)),
            widen(text, *article.folded.original_span(p.b_start, p.b_end)),
            min(p.similarity, 1.0),
        )
        for p in sorted(passages, key=lambda p: p.b_start)
    )
    return InternalRepeats(fraction, spans)


def internal_repeats_of(texts: Sequence[Prepared], config: DetectorConfig) -> list[InternalRepeats]:
    """:func:`internal_repeats` of many articles: those with no unit pair with themselves
    (most articles) are found in one vectorised pass and skipped."""
    paired = self_paired(texts, config)
    return [
        internal_repeats(text, config) if flag else InternalRepeats()
        for text, flag in zip(texts, paired.tolist(), strict=True)
    ]
