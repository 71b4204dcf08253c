"""Scoring a detector's reports against a corpus truth. Pure functions, JSON-ready output.

A predicted pair is any two articles one of which lists the other among its matches;
its kind, coverages and spans are read from the report of the pair's first id (the
other side's report when the first does not list it). Every figure is computed the
same way for the engine and for the baselines.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.overlap import union
from benchmarks.truth import Truth, TruthPair
from detector.model import KINDS, Article, ArticleReport, Kind

Span = tuple[int, int]
PairKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Predicted:
    """One predicted pair, seen from ``a`` (``a < b``)."""

    kind: Kind
    coverage_a: float
    coverage_b: float
    spans_a: tuple[Span, ...]
    spans_b: tuple[Span, ...]
    both_sides: bool
    kinds_agree: bool


def predicted_pairs(reports: Iterable[ArticleReport]) -> dict[PairKey, Predicted]:
    """Every related pair the reports state, keyed ``(a, b)`` with ``a < b``.

    >>> from detector.model import Match
    >>> r = ArticleReport("x", matches=(Match("w", "partial", 0.1, 0.2, 0.3, ()),))
    >>> predicted_pairs([r])[("w", "x")].coverage_a
    0.3
    """
    seen: dict[tuple[str, str], tuple[Kind, float, float, tuple[Span, ...], tuple[Span, ...]]] = {}
    for report in reports:
        for match in report.matches:
            if match.id == report.id:
                continue
            seen[(report.id, match.id)] = (
                match.kind,
                match.query_coverage,
                match.match_coverage,
                tuple(p.query_span for p in match.passages),
                tuple(p.match_span for p in match.passages),
            )
    pairs: dict[PairKey, Predicted] = {}
    for (x, y), value in seen.items():
        a, b = min(x, y), max(x, y)
        if (a, b) in pairs:
            continue
        forward, backward = seen.get((a, b)), seen.get((b, a))
        both = forward is not None and backward is not None
        agree = not both or (
            forward is not None and backward is not None and forward[0] == backward[0]
        )
        if forward is not None:
            kind, cov_a, cov_b, spans_a, spans_b = forward
        else:
            kind, cov_b, cov_a, spans_b, spans_a = value
        pairs[(a, b)] = Predicted(kind, cov_a, cov_b, spans_a, spans_b, both, agree)
    return pairs


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 (1.0 for an empty side, so nothing to find scores 1).

    >>> prf(9, 1, 0)
    {'precision': 0.9, 'recall': 1.0, 'f1': 0.9474}
    """
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def span_overlap(predicted: Sequence[Span], truth: Sequence[Span]) -> tuple[int, int, int]:
    """Characters in ``predicted``, in ``truth`` and in both (each side's union).

    >>> span_overlap([(0, 10)], [(5, 20)])
    (10, 15, 5)
    """
    pred, true = union(predicted), union(truth)
    both = 0
    i = j = 0
    while i < len(pred) and j < len(true):
        low, high = max(pred[i][0], true[j][0]), min(pred[i][1], true[j][1])
        both += max(0, high - low)
        if pred[i][1] < true[j][1]:
            i += 1
        else:
            j += 1
    return sum(e - s for s, e in pred), sum(e - s for s, e in true), both


def _iou(counts: tuple[int, int, int]) -> float:
    pred, true, both = counts
    union_size = pred + true - both
    return both / union_size if union_size else 1.0


def score_pairs(predicted: Mapping[PairKey, Predicted], truth: Truth) -> dict[str, Any]:
    """Related-pair precision/recall/F1, recall by relation, kind accuracy and confusion,
    passage span overlap and coverage error."""
    truth_pairs = {(p.a, p.b): p for p in truth.pairs}
    site = {a.id: a.site for a in truth.articles}
    found = [key for key in truth_pairs if key in predicted]
    false = [key for key in predicted if key not in truth_pairs]
    result: dict[str, Any] = prf(len(found), len(false), len(truth_pairs) - len(found))
    result.update(
        true_pairs=len(truth_pairs),
        predicted_pairs=len(predicted),
        found=len(found),
        false_positives=len(false),
        false_positives_same_site=sum(1 for a, b in false if site.get(a) == site.get(b)),
    )
    layout = {a.id: a.layout for a in truth.articles}
    by_relation: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_layouts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, pair in truth_pairs.items():
        hit = int(key in predicted)
        layouts = "+".join(sorted((layout.get(pair.a, "?"), layout.get(pair.b, "?"))))
        for table, name in (
            (by_relation, pair.relation),
            (by_kind, pair.kind),
            (by_layouts, layouts),
        ):
            table[name][0] += hit
            table[name][1] += 1
    result["recall_by_relation"] = _recalls(by_relation)
    result["recall_by_kind"] = _recalls(by_kind)
    result["recall_by_layouts"] = _recalls(by_layouts)
    result["kind"] = _kinds([(truth_pairs[k], predicted[k]) for k in found])
    result["spans"] = _spans([(truth_pairs[k], predicted[k]) for k in found])
    result["one_sided_pairs"] = sum(1 for p in predicted.values() if not p.both_sides)
    result["kind_disagreements"] = sum(1 for p in predicted.values() if not p.kinds_agree)
    return result


def _recalls(counts: Mapping[str, list[int]]) -> dict[str, dict[str, float]]:
    return {
        name: {"found": hit, "total": total, "recall": round(hit / total, 4) if total else 1.0}
        for name, (hit, total) in sorted(counts.items())
    }


def _kinds(found: Sequence[tuple[TruthPair, Predicted]]) -> dict[str, Any]:
    clear = [(t, p) for t, p in found if not t.ambiguous]
    right = sum(1 for t, p in clear if t.kind == p.kind)
    confusion = {k: dict.fromkeys(KINDS, 0) for k in KINDS}
    by_relation: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t, p in clear:
        confusion[t.kind][p.kind] += 1
        by_relation[t.relation][0] += int(t.kind == p.kind)
        by_relation[t.relation][1] += 1
    return {
        "accuracy": round(right / len(clear), 4) if clear else 1.0,
        "pairs": len(clear),
        "ambiguous_excluded": len(found) - len(clear),
        "confusion": confusion,
        "accuracy_by_relation": {
            name: round(hit / total, 4) for name, (hit, total) in sorted(by_relation.items())
        },
    }


def _spans(found: Sequence[tuple[TruthPair, Predicted]]) -> dict[str, float]:
    ious: list[float] = []
    totals = [0, 0, 0]
    errors: list[float] = []
    for t, p in found:
        for predicted_spans, true_spans in (
            (p.spans_a, [x.a_span for x in t.passages]),
            (p.spans_b, [x.b_span for x in t.passages]),
        ):
            counts = span_overlap(predicted_spans, true_spans)
            ious.append(_iou(counts))
            totals = [x + y for x, y in zip(totals, counts, strict=True)]
        errors.extend((abs(p.coverage_a - t.coverage_a), abs(p.coverage_b - t.coverage_b)))
    pred, true, both = totals
    return {
        "mean_iou": round(sum(ious) / len(ious), 4) if ious else 1.0,
        "char_precision": round(both / pred, 4) if pred else 1.0,
        "char_recall": round(both / true, 4) if true else 1.0,
        "mean_coverage_error": round(sum(errors) / len(errors), 4) if errors else 0.0,
    }


def score_repeats(reports: Iterable[ArticleReport], truth: Truth) -> dict[str, Any]:
    """Internal repetition: article-level precision/recall (any repeat span flags an
    article), recall by relation, and overlap of the repeat spans with the truth."""
    flagged = {r.id: r for r in reports if r.internal_repeats.spans}
    true = {r.id: r for r in truth.repeats}
    hits = [i for i in true if i in flagged]
    result: dict[str, Any] = prf(len(hits), len(flagged) - len(hits), len(true) - len(hits))
    result.update(true_articles=len(true), flagged_articles=len(flagged))
    by_relation: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for ident, repeat in true.items():
        by_relation[repeat.relation][0] += int(ident in flagged)
        by_relation[repeat.relation][1] += 1
    result["recall_by_relation"] = _recalls(by_relation)
    ious_repeat, ious_first, errors = [], [], []
    for ident in hits:
        spans = flagged[ident].internal_repeats.spans
        ious_repeat.append(
            _iou(span_overlap([s.repeat for s in spans], [r for _, r in true[ident].spans]))
        )
        ious_first.append(
            _iou(span_overlap([s.first for s in spans], [f for f, _ in true[ident].spans]))
        )
        errors.append(abs(flagged[ident].internal_repeats.fraction - true[ident].fraction))
    result["repeat_span_iou"] = round(sum(ious_repeat) / len(ious_repeat), 4) if hits else 1.0
    result["first_span_iou"] = round(sum(ious_first) / len(ious_first), 4) if hits else 1.0
    result["mean_fraction_error"] = round(sum(errors) / len(errors), 4) if hits else 0.0
    return result


def clusters(ids: Sequence[str], edges: Iterable[PairKey]) -> list[int]:
    """A component label per id, over the given edges (union-find).

    >>> clusters(["a", "b", "c", "d"], [("a", "c")])
    [0, 1, 0, 3]
    """
    position = {ident: number for number, ident in enumerate(ids)}
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        if a in position and b in position:
            parent[find(position[a])] = find(position[b])
    roots = [find(x) for x in range(len(ids))]
    first: dict[int, int] = {}
    return [first.setdefault(root, number) for number, root in enumerate(roots)]


_CLUSTER_KINDS: frozenset[str] = frozenset(("duplicate", "republication"))


def cluster_ari(predicted: Mapping[PairKey, Predicted], truth: Truth) -> float | None:
    """Adjusted Rand index between the truth's and the prediction's clusters (connected
    components of duplicate and republication relations); None without scikit-learn."""
    try:
        from sklearn.metrics import adjusted_rand_score  # noqa: PLC0415
    except ImportError:  # scikit-learn is the optional "bench" extra
        return None
    ids = [a.id for a in truth.articles]
    true_labels = clusters(ids, ((p.a, p.b) for p in truth.pairs if p.kind in _CLUSTER_KINDS))
    pred_labels = clusters(ids, (k for k, p in predicted.items() if p.kind in _CLUSTER_KINDS))
    return round(float(adjusted_rand_score(true_labels, pred_labels)), 4)


def invalid_spans(articles: Sequence[Article], reports: Iterable[ArticleReport]) -> int:
    """Spans that do not lie inside their text (empty, reversed or out of range)."""
    length = {a.id: len(a.text) for a in articles}
    bad = 0
    for report in reports:
        size = length.get(report.id, 0)
        for match in report.matches:
            other = length.get(match.id, 0)
            for p in match.passages:
                bad += int(not 0 <= p.query_span[0] < p.query_span[1] <= size)
                bad += int(not 0 <= p.match_span[0] < p.match_span[1] <= other)
        for s in report.internal_repeats.spans:
            bad += int(not 0 <= s.first[0] < s.first[1] <= size)
            bad += int(not 0 <= s.repeat[0] < s.repeat[1] <= size)
    return bad


def score(
    articles: Sequence[Article], reports: Sequence[ArticleReport], truth: Truth
) -> dict[str, Any]:
    """Every figure for one detector's reports on a corpus.

    Reports must cover the corpus articles (in any order); ``truth`` is the corpus truth.
    """
    known = {a.id for a in truth.articles}
    missing = known - {r.id for r in reports}
    if missing:
        raise ValueError(f"{len(missing)} articles have no report, e.g. {sorted(missing)[:3]}")
    predicted = predicted_pairs(reports)
    return {
        "invalid_spans": invalid_spans(articles, reports),
        "pairs": score_pairs(predicted, truth),
        "repeats": score_repeats(reports, truth),
        "cluster_ari": cluster_ari(predicted, truth),
        "kinds_predicted": dict(Counter(p.kind for p in predicted.values())),
    }
