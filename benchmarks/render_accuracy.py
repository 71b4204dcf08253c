"""The accuracy section of BENCHMARKS.md (from benchmarks/results/accuracy.json)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.render import Context, register

# The engine's targets (issue, point 4): (label, path into the engine's figures, minimum).
TARGETS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("composed: related-pair F1", ("composed", "engine", "pairs", "f1"), 0.98),
    ("composed: related-pair precision", ("composed", "engine", "pairs", "precision"), 0.99),
    (
        "composed: recall of single quoted paragraphs",
        ("composed", "engine", "pairs", "recall_by_relation", "quoted_paragraph", "recall"),
        0.95,
    ),
    ("composed: kind accuracy", ("composed", "engine", "pairs", "kind", "accuracy"), 0.9),
    (
        "composed: doubled bodies recall",
        ("composed", "engine", "repeats", "recall_by_relation", "doubled_body", "recall"),
        1.0,
    ),
    (
        "composed: internal repetition precision",
        ("composed", "engine", "repeats", "precision"),
        1.0,
    ),
    ("impresso: recall of passim pairs", ("impresso", "engine", "recall"), 0.92),
    ("impresso: silver precision", ("impresso", "engine", "silver_precision"), 0.99),
    ("impresso, --preset ocr: recall", ("impresso", "engine_ocr", "recall"), 0.92),
    (
        "impresso, --preset ocr: silver precision",
        ("impresso", "engine_ocr", "silver_precision"),
        0.99,
    ),
)
RELATIONS = (
    "exact_copy",
    "edited_copy",
    "truncation",
    "local_additions",
    "sibling",
    "quoted_paragraph",
    "indirect",
)


def _get(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _f(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right_from: int = 1) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _machine(result: dict[str, Any]) -> str:
    m = result.get("machine", {})
    versions = ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items() if v)
    return (
        f"{m.get('cpu')}, {m.get('cores')} cores, {m.get('memory')}; Python {m.get('python')} "
        f"on {m.get('platform')}; {versions}; commit {m.get('git')}"
    )


def _targets(result: dict[str, Any]) -> list[str]:
    rows = []
    for label, path, minimum in TARGETS:
        value = _get(result, path)
        verdict = "–" if value is None else ("met" if value >= minimum else "**not met**")
        rows.append([label, f">= {minimum}", _f(value), verdict])
    return _table(["engine target", "goal", "measured", ""], rows, right_from=1)


def _composed(result: dict[str, Any]) -> list[str]:
    detectors = result.get("composed", {})
    rows = []
    for name, figures in detectors.items():
        if "error" in figures:
            rows.append(
                [f"{name}: {figures['label']}", "failed: " + figures["error"][:80]] + [""] * 9
            )
            continue
        pairs, repeats = figures["pairs"], figures["repeats"]
        quoted = _get(pairs, ("recall_by_relation", "quoted_paragraph", "recall"))
        rows.append(
            [
                f"{name}: {figures['label']}",
                _f(pairs["precision"]),
                _f(pairs["recall"]),
                _f(pairs["f1"]),
                _f(quoted),
                _f(pairs["kind"]["accuracy"]),
                _f(pairs["spans"]["mean_iou"]),
                _f(pairs["spans"]["mean_coverage_error"]),
                f"{_f(repeats['precision'])} / {_f(repeats['recall'])}",
                _f(figures.get("cluster_ari")),
                _f(figures.get("seconds"), 1),
            ]
        )
    header = [
        "detector",
        "precision",
        "recall",
        "F1",
        "quoted-paragraph recall",
        "kind accuracy",
        "passage span IoU",
        "coverage error",
        "internal repeats P / R",
        "cluster ARI",
        "seconds",
    ]
    return _table(header, rows)


def _by_relation(result: dict[str, Any]) -> list[str]:
    detectors = {k: v for k, v in result.get("composed", {}).items() if "pairs" in v}
    if not detectors:
        return []
    corpus = result.get("corpus", {}).get("pairs_by_relation", {})
    rows = []
    for relation in RELATIONS:
        if relation not in corpus:
            continue
        row = [relation, str(corpus[relation])]
        for figures in detectors.values():
            recall = _get(figures, ("pairs", "recall_by_relation", relation, "recall"))
            kind = _get(figures, ("pairs", "kind", "accuracy_by_relation", relation))
            row.append(f"{_f(recall)} ({_f(kind)})")
        rows.append(row)
    return _table(["relation", "pairs", *detectors], rows, right_from=1)


def _confusion(name: str, figures: dict[str, Any]) -> list[str]:
    confusion = figures["pairs"]["kind"]["confusion"]
    kinds = list(confusion)
    rows = [[f"truth {k}", *(str(confusion[k][j]) for j in kinds)] for k in kinds]
    return [
        f"Kind confusion, {name} (rows: truth, columns: predicted; "
        "unambiguous related pairs found):",
        "",
        *_table(["", *kinds], rows),
    ]


def _repeats(result: dict[str, Any]) -> list[str]:
    rows = []
    for name, figures in result.get("composed", {}).items():
        if "repeats" not in figures:
            continue
        r = figures["repeats"]
        by = r.get("recall_by_relation", {})
        rows.append(
            [
                name,
                _f(r["precision"]),
                _f(r["recall"]),
                _f(_get(by, ("doubled_body", "recall"))),
                _f(_get(by, ("teaser", "recall"))),
                str(r["flagged_articles"]),
                _f(r["repeat_span_iou"]),
                _f(r["mean_fraction_error"]),
            ]
        )
    header = [
        "detector",
        "precision",
        "recall",
        "doubled bodies",
        "teasers",
        "articles flagged",
        "repeat span IoU",
        "fraction error",
    ]
    return _table(header, rows)


def _impresso(result: dict[str, Any]) -> list[str]:
    section = result.get("impresso", {})
    if "skipped" in section:
        return [f"Skipped: {section['skipped']}"]
    rows = []
    for name, figures in section.items():
        if "error" in figures:
            rows.append([name, "failed: " + figures["error"][:80], "", "", "", "", "", ""])
            continue
        sizes = figures["recall_by_cluster_size"]
        rows.append(
            [
                f"{name}: {figures['label']}",
                _f(figures["recall"]),
                _f(figures["silver_precision"]),
                str(figures["predicted_pairs"]),
                *(_f(sizes[k]["recall"]) for k in ("2", "3-5", "6-10")),
                _f(figures.get("seconds"), 1),
            ]
        )
    header = [
        "detector",
        "recall",
        "silver precision",
        "predicted pairs",
        "recall, clusters of 2",
        "3-5",
        "6-10",
        "seconds",
    ]
    return _table(header, rows)


def _plots(result: dict[str, Any], context: Context) -> list[str]:
    if not context.plots:
        return []
    try:
        import matplotlib  # noqa: PLC0415  # optional "bench" extra

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:  # matplotlib is the optional "bench" extra
        return ["(plots skipped: matplotlib is not installed; `pip install -e '.[bench]'`)"]
    detectors = {k: v for k, v in result.get("composed", {}).items() if "pairs" in v}
    if not detectors:
        return []
    names = list(detectors)
    relations = [r for r in RELATIONS if r in result.get("corpus", {}).get("pairs_by_relation", {})]
    figure, axes = plt.subplots(1, 2, figsize=(13, 4.2))
    metrics = ("precision", "recall", "f1")
    width = 0.8 / len(metrics)
    for i, metric in enumerate(metrics):
        values = [detectors[n]["pairs"][metric] for n in names]
        axes[0].bar([x + i * width for x in range(len(names))], values, width, label=metric)
    axes[0].set_xticks([x + width for x in range(len(names))], names)
    axes[0].set_ylim(0, 1.2)
    axes[0].set_title("Related pairs, composed corpus")
    axes[0].legend(loc="upper center", ncol=3, fontsize=8)
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [
            _get(detectors[name], ("pairs", "recall_by_relation", r, "recall")) or 0.0
            for r in relations
        ]
        axes[1].bar([x + i * width for x in range(len(relations))], values, width, label=name)
    axes[1].set_xticks(
        [x + width * (len(names) - 1) / 2 for x in range(len(relations))],
        relations,
        rotation=25,
        ha="right",
    )
    axes[1].set_ylim(0, 1.2)
    axes[1].set_title("Recall by relation")
    axes[1].legend(loc="upper center", ncol=len(names), fontsize=8)
    figure.tight_layout()
    path: Path = context.results / "accuracy.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return [
        f"![Related-pair precision, recall and F1, and recall by relation]({context.link(path)})"
    ]


def render_accuracy(result: dict[str, Any], context: Context) -> str:
    """Markdown for one accuracy.json."""
    corpus = result.get("corpus", {})
    source = corpus.get("source")
    lines = [
        "## Accuracy",
        "",
        f"Command: `{result.get('command')}` ({result.get('date')}).",
        "",
        f"Machine: {_machine(result)}.",
        "",
        "### Engine targets",
        "",
        *_targets(result),
        "",
        # Notes added to the result after the run (what the figures rest on).
        *(f"- {note}" for note in result.get("notes", [])),
        *([""] if result.get("notes") else []),
        "### Composed republication corpus",
        "",
        f"{corpus.get('articles')} articles "
        f"({corpus.get('characters', 0) / 1e6:.1f} M characters) composed from "
        + (
            "**synthetic pseudo-text** (impresso data absent)"
            if corpus.get("synthetic")
            else f"real reused text ({source} passages, passim partners as real reprints)"
        )
        + f", seed {corpus.get('params', {}).get('seed')}; {corpus.get('pairs')} related pairs "
        f"({_kv(corpus.get('pairs_by_kind', {}))}); "
        f"internal repeats: {_kv(corpus.get('repeats_by_relation', {}))}; "
        f"layouts: {_kv(corpus.get('layouts', {}))}. "
        "Truth is known by construction (benchmarks/corpus.py); "
        "coverage is counted on letters and digits of the body, furniture excluded, and no truth "
        f"coverage lies within {corpus.get('params', {}).get('margin')} of a kind threshold "
        f"({corpus.get('ambiguous_pairs')} ambiguous pairs left, excluded from kind accuracy).",
        "",
        *_composed(result),
        "",
        "Recall by relation (kind accuracy on the pairs found in brackets):",
        "",
        *_by_relation(result),
        "",
    ]
    engine = result.get("composed", {}).get("engine", {})
    if "pairs" in engine:
        pairs = engine["pairs"]
        lines += [
            *_confusion("engine", engine),
            "",
            f"Engine false positives: {pairs['false_positives']} "
            f"({pairs['false_positives_same_site']} between pages of the same site, "
            "which share furniture only); "
            f"pairs reported from one side only: {pairs['one_sided_pairs']}; "
            f"pairs whose two sides disagree on the kind: {pairs['kind_disagreements']}; "
            f"invalid spans: {engine.get('invalid_spans')}.",
            "",
        ]
    lines += ["Internal repetition (article level):", "", *_repeats(result), ""]
    lines += [*_plots(result, context), ""]
    lines += [
        "### impresso: passim's reprints between two newspapers of 1900",
        "",
        "Every passage is a document. Recall: share of passim's passage pairs (clusters of "
        "at most 10 passages) the detector relates. Silver precision: share of predicted pairs "
        "whose passages lie in one merged passim cluster (clusters merged where passages of one "
        "article overlap).",
        "",
        *_impresso(result),
    ]
    return "\n".join(lines)


def _kv(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


register("accuracy.json", "python -m benchmarks.accuracy --out benchmarks/results/accuracy.json")(
    render_accuracy
)
