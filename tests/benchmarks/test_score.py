"""The scorer on tiny hand-made cases whose figures can be worked out by hand."""

from __future__ import annotations

import pytest

from benchmarks.score import (
    cluster_ari,
    clusters,
    invalid_spans,
    predicted_pairs,
    prf,
    score,
    score_pairs,
    score_repeats,
    span_overlap,
)
from benchmarks.truth import Truth, TruthArticle, TruthPair, TruthPassage, TruthRepeat
from detector.model import Article, ArticleReport, InternalRepeats, Kind, Match, Passage, RepeatSpan


def _article(ident: str, site: str = "s1") -> TruthArticle:
    return TruthArticle(ident, site, "flow_lines", "standalone", 100)


def _pair(
    a: str,
    b: str,
    kind: Kind,
    relation: str,
    *,
    cov: tuple[float, float] = (1.0, 1.0),
    ambiguous: bool = False,
) -> TruthPair:
    return TruthPair(
        a, b, relation, kind, cov[0], cov[1], (TruthPassage((0, 100), (0, 100)),), ambiguous
    )


def _match(
    other: str,
    kind: Kind,
    spans: tuple[tuple[int, int], tuple[int, int]] = ((0, 100), (0, 100)),
    cov: tuple[float, float] = (1.0, 1.0),
) -> Match:
    return Match(other, kind, 1.0, cov[0], cov[1], (Passage(spans[0], spans[1], 1.0),))


TRUTH = Truth(
    articles=(
        _article("a"),
        _article("b"),
        _article("c", "s2"),
        _article("d"),
        _article("e", "s2"),
    ),
    pairs=(
        _pair("a", "b", "duplicate", "exact_copy"),
        _pair("c", "d", "partial", "quoted_paragraph", cov=(0.2, 0.1)),
        _pair("a", "e", "republication", "truncation", cov=(0.5, 1.0), ambiguous=True),
    ),
    repeats=(TruthRepeat("c", "doubled_body", 0.5, (((0, 50), (50, 100)),)),),
)


def test_prf_handles_empty_sides() -> None:
    assert prf(0, 0, 0) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert prf(1, 1, 2) == {"precision": 0.5, "recall": 0.3333, "f1": 0.4}
    assert prf(0, 3, 0)["f1"] == 0.0


def test_predicted_pairs_reads_the_first_ids_report_and_notes_asymmetry() -> None:
    reports = [
        ArticleReport(
            "b", matches=(_match("a", "republication", ((10, 20), (30, 40)), (0.3, 0.7)),)
        ),
        ArticleReport("a", matches=(_match("b", "duplicate"),)),
        ArticleReport("d", matches=(_match("c", "partial", ((1, 2), (3, 4)), (0.1, 0.2)),)),
    ]
    pairs = predicted_pairs(reports)
    assert set(pairs) == {("a", "b"), ("c", "d")}
    ab = pairs[("a", "b")]
    assert ab.kind == "duplicate"
    assert ab.both_sides
    assert not ab.kinds_agree
    cd = pairs[("c", "d")]
    # Only d reported it: seen from c, the sides swap.
    assert (cd.coverage_a, cd.coverage_b) == (0.2, 0.1)
    assert cd.spans_a == ((3, 4),)
    assert cd.spans_b == ((1, 2),)
    assert not cd.both_sides
    assert cd.kinds_agree


def test_span_overlap_counts_unions() -> None:
    assert span_overlap([(0, 10), (5, 15)], [(10, 20)]) == (15, 10, 5)
    assert span_overlap([], [(0, 4)]) == (0, 4, 0)
    assert span_overlap([(0, 3), (6, 9)], [(2, 7)]) == (6, 5, 2)


def test_score_pairs_precision_recall_kinds_and_spans() -> None:
    reports = [
        ArticleReport(
            "a", matches=(_match("b", "duplicate", ((0, 50), (0, 100))), _match("e", "partial"))
        ),
        ArticleReport("b", matches=(_match("a", "duplicate"), _match("d", "partial"))),
        ArticleReport("e", matches=(_match("a", "partial"),)),
        ArticleReport("d", matches=(_match("b", "partial"),)),
    ]
    result = score_pairs(predicted_pairs(reports), TRUTH)
    # Found a-b and a-e; missed c-d; b-d is a false positive between pages of site s1.
    assert (result["found"], result["false_positives"], result["true_pairs"]) == (2, 1, 3)
    assert result["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["false_positives_same_site"] == 1
    assert result["recall_by_relation"]["quoted_paragraph"] == {
        "found": 0,
        "total": 1,
        "recall": 0.0,
    }
    assert result["recall_by_relation"]["exact_copy"]["recall"] == 1.0
    kind = result["kind"]
    # a-e is ambiguous by truth: left out of kind accuracy.
    assert (kind["accuracy"], kind["pairs"], kind["ambiguous_excluded"]) == (1.0, 1, 1)
    assert kind["confusion"]["duplicate"]["duplicate"] == 1
    # a-b: side a predicted (0, 50) against truth (0, 100) -> IoU 0.5; side b exact -> 1.0.
    # a-e: both sides exact -> 1.0.
    assert result["spans"]["mean_iou"] == pytest.approx((0.5 + 1 + 1 + 1) / 4)
    assert result["spans"]["char_precision"] == 1.0
    assert result["spans"]["char_recall"] == pytest.approx(350 / 400)


def test_kind_confusion_counts_wrong_kinds() -> None:
    reports = [ArticleReport("a", matches=(_match("b", "republication"),)), ArticleReport("b")]
    kind = score_pairs(predicted_pairs(reports), TRUTH)["kind"]
    assert kind["accuracy"] == 0.0
    assert kind["confusion"]["duplicate"]["republication"] == 1
    assert kind["accuracy_by_relation"] == {"exact_copy": 0.0}


def test_score_repeats_article_level_and_spans() -> None:
    reports = [
        ArticleReport("c", InternalRepeats(0.4, (RepeatSpan((0, 40), (60, 100)),))),
        ArticleReport("a", InternalRepeats(0.1, (RepeatSpan((0, 5), (10, 15)),))),
        ArticleReport("b"),
    ]
    result = score_repeats(reports, TRUTH)
    assert (result["precision"], result["recall"]) == (0.5, 1.0)
    assert result["recall_by_relation"]["doubled_body"]["recall"] == 1.0
    assert result["repeat_span_iou"] == pytest.approx(40 / 50)
    assert result["first_span_iou"] == pytest.approx(40 / 50)
    assert result["mean_fraction_error"] == pytest.approx(0.1)


def test_clusters_are_connected_components() -> None:
    assert clusters(["a", "b", "c", "d", "e"], [("a", "b"), ("b", "c"), ("x", "d")]) == [
        0,
        0,
        0,
        3,
        4,
    ]


def test_cluster_ari_uses_duplicate_and_republication_only() -> None:
    pytest.importorskip("sklearn")
    perfect = predicted_pairs(
        [ArticleReport("a", matches=(_match("b", "duplicate"), _match("e", "republication")))]
    )
    assert cluster_ari(perfect, TRUTH) == 1.0
    # Calling a-b partial splits the truth's cluster {a, b, e}.
    split = predicted_pairs(
        [ArticleReport("a", matches=(_match("b", "partial"), _match("e", "republication")))]
    )
    ari = cluster_ari(split, TRUTH)
    assert ari is not None
    assert ari < 1.0


def test_score_needs_a_report_per_article_and_counts_bad_spans() -> None:
    articles = [Article(i, "x" * 100) for i in "abcde"]
    with pytest.raises(ValueError, match="no report"):
        score(articles, [ArticleReport("a")], TRUTH)
    reports = [ArticleReport(i) for i in "bcde"] + [
        ArticleReport("a", matches=(_match("b", "duplicate", ((0, 101), (5, 5))),))
    ]
    assert invalid_spans(articles, reports) == 2
    result = score(articles, reports, TRUTH)
    assert result["invalid_spans"] == 2
    assert result["pairs"]["found"] == 1
