"""Checking a set of articles against each other: what ``redite check`` runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from detector.config import DetectorConfig
from detector.errors import InvalidArticle
from detector.index import MemoryIndex
from detector.matcher import candidates, common_units, index_keys, mark_originals, to_match
from detector.model import Article, ArticleReport, Match
from detector.prepare import prepare_batch
from detector.repeats import internal_repeats
from detector.score import compare


def check_corpus(
    articles: Sequence[Article], config: DetectorConfig | None = None
) -> list[ArticleReport]:
    """Each article's internal repetition and its matches among the others, in input order.

    A pair is verified when either side finds the other among its candidates, and is
    then reported from both sides, so the result does not depend on input order.

    >>> text = "Le ministre a annoncé mardi une réforme complète du système de retraites."
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
    prepared = prepare_batch(articles, config)
    by_id = {p.article.id: p for p in prepared}
    index = MemoryIndex()
    for p in prepared:
        index.upsert(p.article, index_keys(p))

    pairs: set[tuple[str, str]] = set()
    common = {}
    for p in prepared:
        hits = index.lookup(index_keys(p))
        common[p.article.id] = common_units(p, hits, config)
        for other in candidates(p, hits, config):
            pairs.add((min(p.article.id, other), max(p.article.id, other)))

    found: dict[str, list[Match]] = defaultdict(list)
    for a_id, b_id in sorted(pairs):
        a, b = by_id[a_id], by_id[b_id]
        comparison = compare(a, b, config, common[a_id], common[b_id])
        if comparison is None:
            continue
        found[a_id].append(to_match(a, b, comparison))
        found[b_id].append(to_match(b, a, comparison.swapped()))

    return [
        ArticleReport(
            id=p.article.id,
            internal_repeats=internal_repeats(p, config),
            matches=mark_originals(p.article, found[p.article.id]),
        )
        for p in prepared
    ]
