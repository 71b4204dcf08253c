"""Matching as pure steps around a store lookup.

1. :func:`detector.prepare.prepare` an article; ``Prepared.lookup_keys()`` is what to
   look up.
2. The caller looks the keys up in any store (sync or async).
3. :func:`common_and_candidates` finds the query's common units and ranks the ids
   found; the caller fetches those articles and prepares them
   (:func:`detector.prepare.prepare_batch`).
4. :func:`matches` verifies and aligns them and returns DESIGN.md's matches; a caller
   that looks up the matched articles' keys too passes :func:`candidates_common`.

:func:`match_article` runs the four steps against a synchronous :class:`Index`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from itertools import chain

import numpy as np

from detector.config import DetectorConfig
from detector.index import Index
from detector.model import Article, Match
from detector.prepare import Bools, Prepared, prepare, prepare_batch
from detector.score import Comparison, compare
from detector.text import I64


def unit_frequency(query: Prepared, hits: Mapping[int, Sequence[str]]) -> I64:
    """For each unit of the query, how many indexed articles share one of its buckets.

    A bucket holds the articles with a unit under that key, so the union over a unit's
    bands counts the articles carrying text like it: its LSH neighbours.
    """
    counts = np.zeros(query.keys.shape[0], dtype=np.int64)
    for unit, unit_keys in enumerate(query.keys.tolist()):
        counts[unit] = len(set(chain.from_iterable(_buckets(hits, unit_keys))))
    return counts


def _buckets(hits: Mapping[int, Sequence[str]], keys: Iterable[int]) -> list[Sequence[str]]:
    """The buckets found under ``keys``."""
    return [bucket for bucket in map(hits.get, keys) if bucket is not None]


def common_units(
    query: Prepared, hits: Mapping[int, Sequence[str]], config: DetectorConfig
) -> Bools:
    """Units carried by more than ``common_df`` indexed articles (formulas, furniture):
    ``unit_frequency(query, hits) > config.common_df``, without counting the ids of hot
    buckets where it need not (see :func:`_unit_buckets`)."""
    common = np.zeros(query.keys.shape[0], dtype=bool)
    _unit_buckets(query, hits, config, common)
    return common


def candidates(
    query: Prepared,
    hits: Mapping[int, Sequence[str]],
    config: DetectorConfig,
    common: Bools | None = None,
) -> list[str]:
    """Ids worth verifying, most colliding units first, at most ``max_candidates``.

    Buckets holding more than ``hot_bucket_cap`` ids are furniture shared by too many
    pages to mean anything; they are skipped. An article must share at least
    ``min_band_hits`` buckets with the query, over all its units: a single shared band
    is mostly chance between unrelated sentences. An article met only through common units
    (see :func:`common_units`) is a candidate only if it meets enough of them to cover
    ``republication_coverage`` of the query's units. Pass ``common`` when the caller has
    it already, to save counting it again (:func:`common_and_candidates` gives both from
    one walk over the buckets).
    """
    if common is None:
        return common_and_candidates(query, hits, config)[1]
    return _ranked(query, config, common, _unit_buckets(query, hits, config, None))


def common_and_candidates(
    query: Prepared, hits: Mapping[int, Sequence[str]], config: DetectorConfig
) -> tuple[Bools, list[str]]:
    """:func:`common_units` and :func:`candidates` of one lookup, each unit's buckets
    walked once for both: at a million indexed paragraphs a query meets tens of
    thousands of ids, and the walks are most of what ranking costs."""
    common = np.zeros(query.keys.shape[0], dtype=bool)
    per_unit = _unit_buckets(query, hits, config, common)
    return common, _ranked(query, config, common, per_unit)


UnitBuckets = list[tuple[int, list[Sequence[str]], set[str]]]
"""Per indexable unit: its number, its buckets under the cap, and the ids in them."""


def _unit_buckets(
    query: Prepared,
    hits: Mapping[int, Sequence[str]],
    config: DetectorConfig,
    common: Bools | None,
) -> UnitBuckets:
    """Each indexable unit's buckets under the cap and their distinct ids; with
    ``common``, also each unit's :func:`common_units` flag, set in it.

    A bucket lists each id once (every store keeps it so), so a hot bucket alone holds
    more than ``common_df`` ids when the cap is at least ``common_df``: its unit is
    common without counting the ids in it, which are most of the ids a lookup meets.
    """
    cap, common_df = config.hot_bucket_cap, config.common_df
    indexable = query.indexable.tolist()
    per_unit: UnitBuckets = []
    for unit, unit_keys in enumerate(query.keys.tolist()):
        if common is None and not indexable[unit]:
            continue
        found = _buckets(hits, unit_keys)
        kept = [bucket for bucket in found if len(bucket) <= cap]
        ids = set(chain.from_iterable(kept)) if indexable[unit] else set()
        if common is not None:
            if len(kept) == len(found) and indexable[unit]:
                common[unit] = len(ids) > common_df
            elif len(kept) < len(found) and cap >= common_df:
                common[unit] = True
            else:
                common[unit] = len(set(chain.from_iterable(found))) > common_df
        if indexable[unit]:
            per_unit.append((unit, kept, ids))
    return per_unit


def _ranked(
    query: Prepared, config: DetectorConfig, common: Bools, per_unit: UnitBuckets
) -> list[str]:
    """:func:`candidates` from each indexable unit's buckets."""
    # Counted in C over chained buckets: a lookup in an index of a million paragraphs
    # meets tens of thousands of ids, and a Counter.update per bucket was 1.24 times
    # as slow (half a million paragraphs, the same candidates).
    flags = common.tolist()
    band_hits = Counter(chain.from_iterable(chain.from_iterable(b for _, b, _ in per_unit)))
    votes = Counter(chain.from_iterable(ids for unit, _, ids in per_unit if not flags[unit]))
    needed = config.republication_coverage * int(query.indexable.sum())
    through_common = chain.from_iterable(ids for unit, _, ids in per_unit if flags[unit])
    for article_id, n in Counter(through_common).items():
        if n >= needed:
            votes[article_id] += n
    votes.pop(query.article.id, None)
    ranked = sorted(
        ((i, n) for i, n in votes.items() if band_hits[i] >= config.min_band_hits),
        key=lambda item: (-item[1], item[0]),
    )
    return [article_id for article_id, _ in ranked[: config.max_candidates]]


def hot_keys(hits: Mapping[int, Sequence[str]], config: DetectorConfig) -> int:
    """How many looked-up buckets were over the cap (for metrics and reports)."""
    return sum(len(bucket) > config.hot_bucket_cap for bucket in hits.values())


def to_match(query: Prepared, other: Prepared, comparison: Comparison) -> Match:
    article = other.article
    return Match(
        id=article.id,
        kind=comparison.kind,
        score=comparison.score,
        query_coverage=comparison.a_coverage,
        match_coverage=comparison.b_coverage,
        passages=comparison.spans(query, other),
        source=article.source,
        published_at=article.published_at,
    )


def mark_originals(query: Article, found: Iterable[Match]) -> tuple[Match, ...]:
    """Sort by score and mark the match(es) with the earliest ``published_at``.

    The original is the earliest among the query and its matches; when the query is
    the earliest, or no match has a date, no match is marked.
    """
    ordered = sorted(found, key=lambda m: (-m.score, m.id))
    dated = [m.published_at for m in ordered if m.published_at is not None]
    if not dated:
        return tuple(ordered)
    earliest = min(dated)
    if query.published_at is not None and query.published_at <= earliest:
        return tuple(ordered)
    return tuple(replace(m, original=m.published_at == earliest) for m in ordered)


def matches(
    query: Prepared,
    others: Sequence[Prepared],
    config: DetectorConfig,
    common: Bools | None = None,
    others_common: Mapping[str, Bools] | None = None,
) -> tuple[Match, ...]:
    """Verify the prepared candidate articles against the query.

    ``common`` is :func:`common_units` of the query, from the same lookup;
    ``others_common`` those of candidates, by id, when the caller has looked them up
    (a store does so for the matches only: see :func:`candidates_common`).
    """
    results = []
    for other in others:
        if other.article.id == query.article.id:
            continue
        theirs = None if others_common is None else others_common.get(other.article.id)
        comparison = compare(query, other, config, common, theirs)
        if comparison is not None:
            results.append(to_match(query, other, comparison))
    return mark_originals(query.article, results)


def candidates_common(
    prepared: Sequence[Prepared], hits: Mapping[int, Sequence[str]], config: DetectorConfig
) -> dict[str, Bools]:
    """:func:`common_units` of each prepared article, by id, from one lookup of all
    their keys; ``matches`` then discounts their common units as ``check_corpus`` does."""
    return {p.article.id: common_units(p, hits, config) for p in prepared}


def match_article(
    index: Index, article: Article, config: DetectorConfig | None = None
) -> tuple[Match, ...]:
    """Match one article against a synchronous index (without adding it).

    >>> from detector.index import MemoryIndex
    >>> match_article(MemoryIndex(), Article("q", "Nothing indexed yet."))
    ()
    """
    config = config or DetectorConfig()
    query = prepare(article, config)
    keys = query.lookup_keys()
    hits = index.lookup(int(k) for k in keys) if keys.shape[0] else {}
    common, ids = common_and_candidates(query, hits, config)
    fetched = index.fetch(ids)
    found = [fetched[i] for i in ids if i in fetched]
    others = prepare_batch(found, config, signed=False)  # signed if they match
    first = matches(query, others, config, common)
    if not first:
        return first
    named = {m.id for m in first}
    prepared = [p for p in others if p.article.id in named]
    unasked = keys_not_asked(prepared, keys.tolist())
    theirs = {**hits, **(index.lookup(unasked) if unasked else {})}
    return matches(query, prepared, config, common, candidates_common(prepared, theirs, config))


def keys_not_asked(prepared: Sequence[Prepared], asked: Iterable[int]) -> list[int]:
    """The band keys of ``prepared`` (the matches of a query) that the query's own
    lookup of ``asked`` did not look up: a copy shares most of its keys with the query,
    so the lookup :func:`candidates_common` needs is mostly answered already."""
    known = set(asked)
    return [k for k in dict.fromkeys(k for p in prepared for k in index_keys(p)) if k not in known]


def index_keys(prepared: Prepared) -> list[int]:
    """The band keys an article is stored under (those it is looked up by, as ints)."""
    return [int(k) for k in prepared.lookup_keys()]
