"""Checking a set of articles against each other: what ``redite check`` runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from detector.config import DetectorConfig
from detector.errors import InvalidArticle
from detector.index import MemoryIndex
from detector.matcher import common_and_candidates, index_keys, mark_originals, to_match
from detector.model import Article, ArticleReport, Match
from detector.prepare import prepare_batch
from detector.repeats import internal_repeats_of
from detector.score import compare

_BATCH = 256
"""Articles fingerprinted per vectorised call, and how often progress is reported."""


Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while a corpus is checked."""


def check_corpus(
    articles: Sequence[Article],
    config: DetectorConfig | None = None,
    progress: Progress | None = None,
) -> list[ArticleReport]:
    """Each article's internal repetition and its matches among the others, in input order.

    A pair is verified when either side finds the other among its candidates, and is
    then reported from both sides, so the result does not depend on input order.
    ``progress``, when given, hears of each step (fingerprint, candidates, verify,
    repeats) as it advances.

    >>> text = ("Le ministre a annoncé mardi une réforme complète du système de retraites, "
    ...         "qui sera présentée au Parlement avant l'été.")
    >>> reports = check_corpus([Article("a", text), Article("b", "Titre\\n\\n" + text)])
    >>> [(r.id, [m.kind for m in r.matches]) for r in reports]
    [('a', ['duplicate']), ('b', ['duplicate'])]
    """
    config = config or DetectorConfig()
    seen: dict[str, int] = {}
    for n, article in enumerate(articles):
        if article.id in seen:
            raise InvalidArticle(
                f"duplicate id {article.id!r} (articles {seen[article.id] + 1} and {n + 1})"
            )
        seen[article.id] = n
    report = progress or _silent
    prepared = []
    for start in range(0, len(articles), _BATCH):
        prepared.extend(prepare_batch(articles[start : start + _BATCH], config))
        report("fingerprint", len(prepared), len(articles))
    by_id = {p.article.id: p for p in prepared}
    keys = {p.article.id: index_keys(p) for p in prepared}
    index = MemoryIndex()
    for p in prepared:
        index.upsert(p.article, keys[p.article.id])

    pairs: set[tuple[str, str]] = set()
    common = {}
    for n, p in enumerate(prepared, 1):
        if n % _BATCH == 0 or n == len(prepared):
            report("candidates", n, len(prepared))
        hits = index.lookup(keys[p.article.id])
        common[p.article.id], ranked = common_and_candidates(p, hits, config)
        for other in ranked:
            pairs.add((min(p.article.id, other), max(p.article.id, other)))

    found: dict[str, list[Match]] = defaultdict(list)
    for n, (a_id, b_id) in enumerate(sorted(pairs), 1):
        if n % _BATCH == 0 or n == len(pairs):
            report("verify", n, len(pairs))
        a, b = by_id[a_id], by_id[b_id]
        comparison = compare(a, b, config, common[a_id], common[b_id])
        if comparison is None:
            continue
        found[a_id].append(to_match(a, b, comparison))
        found[b_id].append(to_match(b, a, comparison.swapped()))

    reports = []
    for start in range(0, len(prepared), _BATCH):
        batch = prepared[start : start + _BATCH]
        for p, repeats in zip(batch, internal_repeats_of(batch, config), strict=True):
            reports.append(
                ArticleReport(
                    id=p.article.id,
                    internal_repeats=repeats,
                    matches=mark_originals(p.article, found[p.article.id]),
                )
            )
        report("repeats", start + len(batch), len(prepared))
    return reports


def _silent(step: str, done: int, total: int) -> None:
    del step, done, total
