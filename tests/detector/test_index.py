"""detector.index and detector.matcher: the in-memory index and matching against it."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector import Article, DetectorConfig
from detector.index import Index, MemoryIndex
from detector.matcher import (
    candidates,
    common_and_candidates,
    common_units,
    hot_keys,
    index_keys,
    match_article,
    unit_frequency,
)
from detector.prepare import prepare

ORIGINAL = """\
Le vice-ministre russe de la Défense a annoncé mercredi que des navires de la flottille \
de la Caspienne avaient tiré vingt-six missiles de croisière sur des cibles en Syrie.

Selon lui, toutes les cibles ont été détruites et aucun objet civil n'a été touché \
pendant l'opération, qui a duré plusieurs heures.

Les frappes visaient des positions de l'organisation État islamique dans les provinces \
de Raqqa, d'Alep et autour de la ville de Deir ez-Zor."""

# The same wire copy as another site prints it: a dateline, other spellings, a link.
REPUBLISHED = (
    "Moscou, 7 octobre (AFP)\n\n"
    + ORIGINAL.replace("Deir ez-Zor", "Deir Ezzor").replace("vingt-six", "vingt six")
    + "\n\nLire aussi : la Russie en Syrie"
)

UNRELATED = """\
La commune de Lausanne a inauguré samedi un nouveau pont piéton au-dessus de la voie \
ferrée. Les travaux ont duré deux ans et coûté douze millions de francs, selon la \
municipalité, qui prévoit d'autres aménagements dans le quartier."""


def indexed(*articles: Article, config: DetectorConfig | None = None) -> MemoryIndex:
    config = config or DetectorConfig()
    index = MemoryIndex()
    for article in articles:
        index.upsert(article, index_keys(prepare(article, config)))
    return index


# --- MemoryIndex ------------------------------------------------------------------------


def test_memory_index_is_an_index() -> None:
    index: Index = MemoryIndex()
    assert dict(index.lookup([1])) == {}


def test_upsert_lookup_fetch() -> None:
    index = MemoryIndex()
    a, b = Article("a", "texte a"), Article("b", "texte b")
    index.upsert(a, [1, 2, 2])
    index.upsert(b, [2, 3])
    assert len(index) == 2
    assert index.lookup([1, 2, 3, 4]) == {1: ["a"], 2: ["a", "b"], 3: ["b"]}
    assert index.fetch(["b", "missing", "a"]) == {"b": b, "a": a}
    assert index.lookup([]) == {}
    assert index.fetch([]) == {}


def test_upsert_replaces_the_old_keys() -> None:
    index = MemoryIndex()
    index.upsert(Article("a", "old"), [1, 2])
    new = Article("a", "new")
    index.upsert(new, [2, 3])
    assert len(index) == 1
    assert index.lookup([1, 2, 3]) == {2: ["a"], 3: ["a"]}
    assert index.fetch(["a"]) == {"a": new}


def test_upsert_is_idempotent() -> None:
    index = MemoryIndex()
    for _ in range(3):
        index.upsert(Article("a", "same"), [5, 6])
    assert index.lookup([5, 6]) == {5: ["a"], 6: ["a"]}


def test_delete_removes_postings_and_is_idempotent() -> None:
    index = MemoryIndex()
    index.upsert(Article("a", "text"), [1, 2])
    index.upsert(Article("b", "text"), [2])
    assert index.delete("a") is True
    assert index.delete("a") is False
    assert index.delete("never") is False
    assert index.lookup([1, 2]) == {2: ["b"]}
    assert index.fetch(["a"]) == {}
    assert len(index) == 1


def test_lookup_results_are_copies() -> None:
    index = MemoryIndex()
    index.upsert(Article("a", "text"), [1])
    index.lookup([1])[1].append("intruder")
    assert index.lookup([1]) == {1: ["a"]}


def test_index_keys_are_the_distinct_keys_of_indexable_units() -> None:
    prepared = prepare(Article("a", ORIGINAL + "\n\n" + ORIGINAL), DetectorConfig())
    keys = index_keys(prepared)
    assert len(keys) == len(set(keys))
    assert set(keys) == {int(k) for k in prepared.keys[prepared.indexable].ravel()}
    assert sorted(keys) == sorted(int(k) for k in prepared.lookup_keys())


# --- matching ---------------------------------------------------------------------------


def test_republished_article_is_found() -> None:
    index = indexed(Article("original", ORIGINAL), Article("unrelated", UNRELATED))
    (match,) = match_article(index, Article("copy", REPUBLISHED))
    assert match.id == "original"
    assert match.kind == "duplicate"
    assert match.match_coverage == pytest.approx(1.0)
    (passage,) = match.passages
    assert REPUBLISHED[slice(*passage.query_span)].startswith("Le vice-ministre")
    assert REPUBLISHED[slice(*passage.query_span)].endswith("Deir Ezzor.")
    assert passage.match_span == (0, len(ORIGINAL))


def test_an_indexed_article_does_not_match_itself() -> None:
    index = indexed(Article("original", ORIGINAL), Article("unrelated", UNRELATED))
    assert match_article(index, Article("original", ORIGINAL)) == ()


def test_an_indexed_article_finds_its_copies_but_not_itself() -> None:
    index = indexed(Article("original", ORIGINAL), Article("copy", REPUBLISHED))
    assert [m.id for m in match_article(index, Article("original", ORIGINAL))] == ["copy"]


def test_unrelated_text_finds_nothing() -> None:
    index = indexed(Article("original", ORIGINAL))
    assert match_article(index, Article("other", UNRELATED)) == ()
    assert match_article(MemoryIndex(), Article("copy", REPUBLISHED)) == ()


def test_deleted_article_is_no_longer_found() -> None:
    index = indexed(Article("original", ORIGINAL))
    assert index.delete("original")
    assert match_article(index, Article("copy", REPUBLISHED)) == ()


def test_hot_buckets_are_skipped() -> None:
    config = DetectorConfig(hot_bucket_cap=2)
    query = prepare(Article("q", ORIGINAL), config)
    keys = [int(k) for k in query.lookup_keys()]
    some = {key: ["x", "y"] for key in keys}
    assert candidates(query, some, config) == ["x", "y"]
    assert hot_keys(some, config) == 0
    crowded = {key: ["x", "y", "z"] for key in keys}
    assert candidates(query, crowded, config) == []
    assert hot_keys(crowded, config) == len(keys)


def test_hot_buckets_through_an_index() -> None:
    copies = [Article(f"copy{i}", REPUBLISHED) for i in range(3)]
    query = Article("original", ORIGINAL)
    capped = DetectorConfig(hot_bucket_cap=2)
    assert match_article(indexed(*copies, config=capped), query, capped) == ()
    roomy = DetectorConfig(hot_bucket_cap=3)
    found = match_article(indexed(*copies, config=roomy), query, roomy)
    assert sorted(m.id for m in found) == ["copy0", "copy1", "copy2"]


def test_candidates_never_include_the_query() -> None:
    config = DetectorConfig()
    query = prepare(Article("q", ORIGINAL), config)
    hits = {int(k): ["q", "other"] for k in query.lookup_keys()}
    assert candidates(query, hits, config) == ["other"]


def test_candidates_are_capped_and_ranked() -> None:
    # common_df high enough that no unit counts as a formula shared by many pages.
    config = DetectorConfig(max_candidates=2, common_df=10_000)
    query = prepare(Article("q", ORIGINAL), config)
    keys = [int(k) for k in query.lookup_keys()]
    # "many" shares every bucket; the others two buckets each.
    hits = {key: ["many", f"two{n // 2}"] for n, key in enumerate(keys)}
    found = candidates(query, hits, config)
    assert len(found) == 2
    assert found[0] == "many"


def test_one_shared_bucket_is_chance_not_a_candidate() -> None:
    config = DetectorConfig(common_df=10_000)
    query = prepare(Article("q", ORIGINAL), config)
    keys = [int(k) for k in query.lookup_keys()]
    hits = {keys[0]: ["once"], keys[1]: ["twice"], keys[2]: ["twice"]}
    assert candidates(query, hits, config) == ["twice"]
    assert set(candidates(query, hits, DetectorConfig(common_df=10_000, min_band_hits=1))) == {
        "once",
        "twice",
    }


_QUERY_TEXT = ORIGINAL + "\n\n" + UNRELATED


@settings(max_examples=60, deadline=None)
@given(
    cap=st.integers(2, 8),
    common_df=st.integers(1, 10),
    sizes=st.lists(st.integers(0, 12), min_size=1, max_size=40),
    seed=st.integers(0, 2**16),
)
def test_one_walk_gives_the_common_units_and_candidates_of_two(
    cap: int, common_df: int, sizes: list[int], seed: int
) -> None:
    """The shortcut for hot buckets (a unit with one is common when the cap is at
    least ``common_df``) changes nothing, whichever of the two is larger."""
    config = DetectorConfig(hot_bucket_cap=cap, common_df=common_df)
    query = prepare(Article("q", _QUERY_TEXT), config)
    rng = random.Random(seed)
    keys = [int(k) for k in query.keys.ravel()]
    hits = {
        key: rng.sample([f"id{n}" for n in range(30)], size)
        for key, size in zip(rng.sample(keys, min(len(sizes), len(keys))), sizes, strict=False)
        if size
    }
    exact = unit_frequency(query, hits) > common_df
    common, ranked = common_and_candidates(query, hits, config)
    assert common.tolist() == exact.tolist()
    assert common_units(query, hits, config).tolist() == exact.tolist()
    assert ranked == candidates(query, hits, config, exact)
