"""The corpus generator: deterministic, and its truth agrees with its texts."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.corpus import Corpus, CorpusParams, generate, write_corpus
from benchmarks.data import impresso_path, missing_reason
from benchmarks.edits import HEAVY, LAYOUTS, edit_text, lay_out, unwrap, wrap
from benchmarks.overlap import AlnumCounter, folded, shared_extent
from benchmarks.sources import Unit, drop_entangled
from benchmarks.truth import is_ambiguous, kind_of, read_truth

PARAMS = CorpusParams(articles=150, seed=7, source="synthetic")


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return generate(PARAMS)


def test_same_seed_same_corpus(corpus: Corpus) -> None:
    again = generate(PARAMS)
    assert [a.text for a in again.articles] == [a.text for a in corpus.articles]
    assert again.truth == corpus.truth
    other = generate(CorpusParams(articles=150, seed=8, source="synthetic"))
    assert [a.text for a in other.articles] != [a.text for a in corpus.articles]


def test_corpus_has_every_relation_and_is_labelled_synthetic(corpus: Corpus) -> None:
    assert len(corpus.articles) == 150
    assert len({a.id for a in corpus.articles}) == 150
    relations = Counter(p.relation for p in corpus.truth.pairs)
    for relation in (
        "exact_copy",
        "edited_copy",
        "truncation",
        "local_additions",
        "quoted_paragraph",
    ):
        assert relations[relation] > 0, relation
    assert {r.relation for r in corpus.truth.repeats} == {"doubled_body", "teaser"}
    assert corpus.truth.meta["synthetic"] is True
    assert corpus.truth.meta["source"] == "synthetic"


def test_truth_kinds_follow_coverage_with_margin(corpus: Corpus) -> None:
    for pair in corpus.truth.pairs:
        assert pair.a < pair.b
        assert pair.kind == kind_of(pair.coverage_a, pair.coverage_b)
        assert pair.ambiguous == is_ambiguous(pair.coverage_a, pair.coverage_b, PARAMS.margin)
    expected = {
        "exact_copy": "duplicate",
        "truncation": "republication",
        "local_additions": "republication",
        "quoted_paragraph": "partial",
    }
    for pair in corpus.truth.pairs:
        if pair.relation in expected:
            assert pair.kind == expected[pair.relation], pair


def test_truth_passages_point_at_shared_text(corpus: Corpus) -> None:
    texts = {a.id: a.text for a in corpus.articles}
    for pair in corpus.truth.pairs:
        assert pair.passages
        for passage in pair.passages:
            a = texts[pair.a][passage.a_span[0] : passage.a_span[1]]
            b = texts[pair.b][passage.b_span[0] : passage.b_span[1]]
            assert a
            assert b
            assert shared_extent(a, b) is not None


def test_coverage_is_of_the_body_without_furniture(corpus: Corpus) -> None:
    texts = {a.id: a.text for a in corpus.articles}
    for article in corpus.truth.articles:
        assert (
            0
            < article.body_chars
            < AlnumCounter(texts[article.id]).count([(0, len(texts[article.id]))])
        )
    exact = [p for p in corpus.truth.pairs if p.relation == "exact_copy"]
    assert all(p.coverage_a > 0.99 and p.coverage_b > 0.99 for p in exact)


def test_repeat_truth_points_at_repeated_text(corpus: Corpus) -> None:
    texts = {a.id: a.text for a in corpus.articles}
    for repeat in corpus.truth.repeats:
        for first, again in repeat.spans:
            text = texts[repeat.id]
            assert first[1] <= again[0]
            assert folded(text[first[0] : first[1]])[0] == folded(text[again[0] : again[1]])[0]
        expected = 0.5 if repeat.relation == "doubled_body" else 0.3
        assert repeat.fraction == pytest.approx(expected, abs=0.25)


def test_written_corpus_reads_back(corpus: Corpus, tmp_path: Path) -> None:
    articles_path, truth_path = write_corpus(corpus, tmp_path / "out")
    lines = [json.loads(line) for line in articles_path.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [a.id for a in corpus.articles]
    assert lines[0]["published_at"].endswith("Z")
    assert {"id", "text", "source", "url", "published_at", "title"} <= set(lines[0])
    # JSON rounds coverages to 4 digits and turns tuples into lists.
    assert read_truth(truth_path).to_json() == json.loads(json.dumps(corpus.truth.to_json()))


def test_params_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="articles"):
        CorpusParams(articles=3)
    with pytest.raises(ValueError, match="source"):
        CorpusParams(source="web")
    with pytest.raises(ValueError, match="shares"):
        CorpusParams(group_share=0.9, quote_share=0.1)


def test_layout_and_edits_keep_or_change_letters_as_meant() -> None:
    rng = random.Random(3)
    text = "La céré-\nmonie funèbre organisée par la\nlégation a eu lieu hier à Bâle."
    for layout in LAYOUTS:
        for dehyphenate in (True, False):
            assert folded(lay_out(text, layout, dehyphenate))[0] == folded(text)[0]
    assert unwrap(text, dehyphenate=True).startswith("La cérémonie funèbre")
    assert unwrap(text, dehyphenate=False).startswith("La céré- monie")
    assert folded(wrap(text, 20, rng))[0] == folded(text)[0]
    edited = edit_text(text * 5, HEAVY, rng)
    assert edited != text * 5
    assert shared_extent(edited, text * 5) is not None


def test_entangled_units_are_dropped() -> None:
    shared = "le conseil fédéral a décidé de convoquer les chambres pour le mois de juin prochain"
    units = [
        Unit("a", "Première nouvelle sans rapport avec la suite, " + shared),
        Unit("b", "Tout autre texte qui reprend pourtant ceci : " + shared),
        Unit("c", "Un troisième texte entièrement différent des deux premiers, vraiment."),
    ]
    assert [u.key for u in drop_entangled(units)] == ["a", "c"]


@pytest.mark.data
@pytest.mark.slow
def test_real_text_corpus() -> None:
    reason = missing_reason(impresso_path())
    if reason is not None:
        pytest.skip(reason)
    corpus = generate(CorpusParams(articles=60, seed=3, source="impresso"))
    assert corpus.truth.meta["source"] == "impresso"
    assert corpus.truth.meta["synthetic"] is False
    assert len(corpus.articles) == 60
    assert any(p.relation == "edited_copy" for p in corpus.truth.pairs)
