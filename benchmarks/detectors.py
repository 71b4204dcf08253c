"""Everything the accuracy benchmark can run, behind one signature: articles in,
one :class:`detector.ArticleReport` per article out, in input order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from benchmarks import baselines
from detector.model import Article, ArticleReport

Detector = Callable[[Sequence[Article]], list[ArticleReport]]


def engine(articles: Sequence[Article]) -> list[ArticleReport]:
    """redite's engine with its default configuration."""
    # Imported on use: a broken engine must not stop the baselines from running.
    from detector import check_corpus  # noqa: PLC0415

    return check_corpus(articles)


def engine_ocr(articles: Sequence[Article]) -> list[ArticleReport]:
    """redite's engine with the ``ocr`` preset (``--preset ocr``)."""
    from detector import DetectorConfig, check_corpus  # noqa: PLC0415

    return check_corpus(articles, DetectorConfig.preset("ocr"))


def textbook(articles: Sequence[Article]) -> list[ArticleReport]:
    """datasketch, whole article, word 5-grams, LSH at 0.5."""
    return baselines.textbook(articles)


def paragraph(articles: Sequence[Article]) -> list[ArticleReport]:
    """datasketch per paragraph, word 5-grams, LSH at 0.5."""
    return baselines.paragraph_lsh(articles)


def char5(articles: Sequence[Article]) -> list[ArticleReport]:
    """datasketch per paragraph, char 5-grams, LSH at 0.3, containment 0.5."""
    return baselines.char5_containment(articles)


def dedupe(articles: Sequence[Article]) -> list[ArticleReport]:
    """redite dedupe, the batch job, on the same articles."""
    from benchmarks.dedupe import dedupe_reports  # noqa: PLC0415

    return dedupe_reports(articles)


def dedupe_ocr(articles: Sequence[Article]) -> list[ArticleReport]:
    """redite dedupe --preset ocr on the same articles."""
    from benchmarks.dedupe import dedupe_reports  # noqa: PLC0415

    return dedupe_reports(articles, preset="ocr")


DETECTORS: dict[str, Detector] = {
    "engine": engine,
    "engine_ocr": engine_ocr,
    "dedupe": dedupe,
    "dedupe_ocr": dedupe_ocr,
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
