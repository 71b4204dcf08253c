"""Everything the accuracy benchmark can run, behind one signature: articles in,
one :class:`detector.ArticleReport` per article out, in input order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from benchmarks import baselines
from detector.model import Article, ArticleReport

Detector = Callable[[Sequence[Article]], list[ArticleReport]]


def engine(articles: Sequence[Article], preset: str = "news") -> list[ArticleReport]:
    """redite's engine with a preset's configuration (``redite check --preset``)."""
    # Imported on use: a broken engine must not stop the baselines from running.
    from detector import DetectorConfig, check_corpus  # noqa: PLC0415

    return check_corpus(articles, DetectorConfig.preset(preset))


def textbook(articles: Sequence[Article]) -> list[ArticleReport]:
    """datasketch, whole article, word 5-grams, LSH at 0.5."""
    return baselines.textbook(articles)


def paragraph(articles: Sequence[Article]) -> list[ArticleReport]:
    """datasketch per paragraph, word 5-grams, LSH at 0.5."""
    return baselines.paragraph_lsh(articles)


def char5(articles: Sequence[Article]) -> list[ArticleReport]:
    """datasketch per paragraph, char 5-grams, LSH at 0.3, containment 0.5."""
    return baselines.char5_containment(articles)


def dedupe(articles: Sequence[Article], preset: str = "news") -> list[ArticleReport]:
    """redite dedupe, the batch job (``--preset``), on the same articles."""
    from benchmarks.dedupe import dedupe_reports  # noqa: PLC0415

    return dedupe_reports(articles, preset=preset)


DETECTORS: dict[str, Detector] = {
    "engine": engine,
    "engine_ocr": partial(engine, preset="ocr"),
    "dedupe": dedupe,
    "dedupe_ocr": partial(dedupe, preset="ocr"),
    "textbook": textbook,
    "paragraph": paragraph,
    "char5": char5,
}
LABELS: dict[str, str] = {
    "engine": "redite engine (defaults)",
    "engine_ocr": "redite engine, --preset ocr",
    "dedupe": "redite dedupe, the batch job (defaults)",
    "dedupe_ocr": "redite dedupe --preset ocr",
    "textbook": "datasketch textbook: whole article, word 5-grams, LSH 0.5",
    "paragraph": "datasketch per paragraph: word 5-grams, LSH 0.5",
    "char5": "datasketch per paragraph: char 5-grams, LSH 0.3, containment 0.5",
}
