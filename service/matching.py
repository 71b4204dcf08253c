"""The engine's matching steps driven over an async store.

The engine says what to look up (``lookup_keys``), picks candidates from what the store
found, and verifies the fetched articles; this module only moves data between the two.
One lookup round trip and one fetch round trip per query, and one more lookup (of
the matched articles' keys that the first did not ask for) when there are matches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from detector.config import DetectorConfig
from detector.explain import Explanation, explain
from detector.matcher import (
    candidates_common,
    common_and_candidates,
    hot_keys,
    index_keys,
    keys_not_asked,
    matches,
)
from detector.model import Article, ArticleReport
from detector.prepare import Prepared, prepare, prepare_batch
from detector.repeats import internal_repeats
from service.stores.base import Store, Stored, UpsertResult


@dataclass(frozen=True, slots=True)
class Outcome:
    """The report on one article, and what the store did with it."""

    report: ArticleReport
    hot_buckets: int = 0
    """Looked-up buckets over the cap (skipped as furniture)."""
    candidates: int = 0
    upsert: UpsertResult | None = None
    """None when the article was only matched, not indexed."""
    matched: tuple[Article, ...] = ()
    """The stored articles of the matches, to quote their passages from."""
    verified: tuple[Prepared, ...] = ()
    """The candidates fetched and verified, best first."""
    common: int = 0
    """The article's units that more than ``common_df`` indexed articles carry."""


async def match(store: Store, article: Article, config: DetectorConfig) -> Outcome:
    """Match ``article`` against the store without indexing it.

    An article already indexed under the same id is not a match of itself.
    """
    return await match_prepared(store, prepare(article, config), config)


async def match_prepared(store: Store, prepared: Prepared, config: DetectorConfig) -> Outcome:
    """:func:`match` for an article already prepared (the batch job keeps the
    segmentation of its articles and does not cut them again)."""
    return await _match_prepared(store, prepared, index_keys(prepared), config)


async def upsert(store: Store, article: Article, config: DetectorConfig) -> Outcome:
    """Match ``article`` against what the store held before, then index it (by id)."""
    prepared = prepare(article, config)
    keys = index_keys(prepared)
    outcome = await _match_prepared(store, prepared, keys, config)
    result = await store.upsert(article, keys, (prepared.paragraphs, prepared.units))
    return replace(outcome, upsert=result)


async def _match_prepared(
    store: Store, query: Prepared, keys: list[int], config: DetectorConfig
) -> Outcome:
    hits = await store.lookup(keys) if keys else {}
    common, wanted = common_and_candidates(query, hits, config)
    fetched = await store.fetch(wanted) if wanted else []
    stored = [s for s in fetched if s.article.id != query.article.id]
    found = [s.article for s in stored]
    # Only verified: a match's band keys are computed when they are looked up below.
    others = prepare_batch(found, config, [s.segments for s in stored], signed=False)
    first = matches(query, others, config, common)
    ids = {m.id for m in first}
    matched = tuple(a for a in found if a.id in ids)
    if matched:
        # The matched articles' own common units (their site's furniture) leave their
        # coverage, as in check_corpus: one more lookup, of those of their keys that
        # the query's lookup did not ask for (a copy shares most of them).
        prepared = [p for p in others if p.article.id in ids]
        unasked = keys_not_asked(prepared, keys)
        theirs = {**hits, **(await store.lookup(unasked) if unasked else {})}
        first = matches(
            query, prepared, config, common, candidates_common(prepared, theirs, config)
        )
    report = ArticleReport(
        id=query.article.id,
        internal_repeats=internal_repeats(query, config),
        matches=first,
    )
    return Outcome(
        report,
        hot_keys(hits, config),
        len(wanted),
        matched=matched,
        verified=tuple(others),
        common=int(common.sum()),
    )


@dataclass(frozen=True, slots=True)
class Explained:
    """Why ``/v1/match`` reports an indexed article for a query, or does not."""

    outcome: Outcome
    """The query's own match."""
    query: Prepared
    other: Prepared
    pair: Explanation
    """The engine's steps on the query and that article alone."""

    @property
    def rank(self) -> int | None:
        """Its place among the candidates verified (from 1), None when not among them."""
        ids = [p.article.id for p in self.outcome.verified]
        return ids.index(self.other.article.id) + 1 if self.other.article.id in ids else None

    @property
    def reported(self) -> bool:
        return any(m.id == self.other.article.id for m in self.outcome.report.matches)


async def explain_match(
    store: Store, article: Article, other: Stored, config: DetectorConfig
) -> Explained:
    """:func:`match` ``article``, and say why ``other`` (a stored article) is among its
    matches or not: its rank among the candidates, and the engine's steps on the pair."""
    query = prepare(article, config)
    outcome = await match_prepared(store, query, config)
    verified = [p for p in outcome.verified if p.article.id == other.article.id]
    (prepared,) = verified[:1] or prepare_batch([other.article], config, [other.segments])
    return Explained(outcome, query, prepared, explain(query, prepared, config))
