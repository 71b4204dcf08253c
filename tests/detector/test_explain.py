"""``detector.explain``: its verdict on a pair is check_corpus's on the same two articles."""

import random

import pytest

from benchmarks.corpus import CorpusParams, generate
from detector import DetectorConfig, check_corpus
from detector.explain import STEPS, explain
from detector.prepare import prepare_batch

CORPUS = generate(CorpusParams(articles=150, seed=11, source="synthetic"))
BY_ID = {a.id: a for a in CORPUS.articles}
RELATED = sorted((p.a, p.b) for p in CORPUS.truth.pairs)
# Random pairs, mostly unrelated (the test does not assume which).
_rng = random.Random(4)
UNRELATED = [(a, b) for a, b in (_rng.sample(sorted(BY_ID), 2) for _ in range(20))]
PAIRS = RELATED[:: max(len(RELATED) // 40, 1)] + UNRELATED


@pytest.mark.parametrize("pair", PAIRS, ids="-".join)
def test_explain_agrees_with_check_corpus_on_the_pair(pair: tuple[str, str]) -> None:
    config = DetectorConfig()
    articles = [BY_ID[pair[0]], BY_ID[pair[1]]]
    reported = bool(check_corpus(articles, config)[0].matches)
    a, b = prepare_batch(articles, config)
    why = explain(a, b, config)
    assert [s.name for s in why.steps] == list(STEPS)
    assert (why.lost_at is None) == reported, [(s.name, s.passed, s.found) for s in why.steps]
    if reported:
        assert why.comparison is not None
        assert all(s.passed for s in why.steps)
