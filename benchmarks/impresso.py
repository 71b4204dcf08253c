"""The impresso evaluation: passim's cross-newspaper reprints of 1900 as silver truth.

Every passage is a document. Recall is the share of passim's passage pairs (pairs
inside clusters of at most ten passages; larger ones are formulaic notices) that the
detector relates. Silver precision is the share of the detector's related pairs whose
two passages lie in the same merged cluster (clusters merged wherever passages of the
same article overlap), over every predicted pair.

    python -m benchmarks.impresso --detector engine
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.data import (
    MAX_CLUSTER_SIZE,
    Passage,
    cluster_sizes,
    impresso_path,
    load_passages,
    merged_clusters,
    missing_reason,
    passim_pairs,
)
from detector.model import Article, ArticleReport

Detector = Callable[[Sequence[Article]], list[ArticleReport]]


def impresso_articles(rows: Sequence[Passage]) -> list[Article]:
    """One article per passage, with a per-row id (``uid`` repeats across rows)."""
    return [
        Article(
            id=row.doc_id,
            text=row.text,
            source=row.series,
            published_at=datetime.fromisoformat(row.date).replace(tzinfo=UTC),
        )
        for row in rows
    ]


def load(path: Path | None = None) -> list[Passage] | str:
    """The passages (see :func:`benchmarks.data.impresso_path` for where they are looked
    for), or why they cannot be read."""
    source = impresso_path(path)
    reason = missing_reason(source)
    return reason if reason is not None else load_passages(source)


def related_rows(
    rows: Sequence[Passage], reports: Sequence[ArticleReport]
) -> dict[tuple[int, int], str]:
    """Predicted pairs as row indexes (smaller first), with the kind one side gave."""
    index = {row.doc_id: number for number, row in enumerate(rows)}
    pairs: dict[tuple[int, int], str] = {}
    for report in reports:
        a = index[report.id]
        for match in report.matches:
            b = index.get(match.id)
            if b is None or b == a:
                continue
            pairs.setdefault((min(a, b), max(a, b)), match.kind)
    return pairs


def evaluate(rows: Sequence[Passage], reports: Sequence[ArticleReport]) -> dict[str, Any]:
    """Recall of passim's pairs and silver precision of the predicted pairs."""
    predicted = related_rows(rows, reports)
    gold = passim_pairs(rows)
    labels = merged_clusters(rows)
    sizes = cluster_sizes(rows)
    found = gold & predicted.keys()
    same = sum(1 for a, b in predicted if labels[a] == labels[b])
    by_size: dict[str, list[int]] = {"2": [0, 0], "3-5": [0, 0], "6-10": [0, 0]}
    for a, b in gold:
        size = sizes[rows[a].cluster]
        bucket = "2" if size == 2 else "3-5" if size <= 5 else "6-10"
        by_size[bucket][0] += int((a, b) in found)
        by_size[bucket][1] += 1
    return {
        "documents": len(rows),
        "passim_pairs": len(gold),
        "found": len(found),
        "recall": round(len(found) / len(gold), 4) if gold else 1.0,
        "predicted_pairs": len(predicted),
        "same_merged_cluster": same,
        "silver_precision": round(same / len(predicted), 4) if predicted else 1.0,
        "recall_by_cluster_size": {
            name: {"found": hit, "total": total, "recall": round(hit / total, 4) if total else 1.0}
            for name, (hit, total) in by_size.items()
        },
        "kinds_predicted": dict(Counter(predicted.values())),
        "max_cluster_size": MAX_CLUSTER_SIZE,
    }


def run(
    detect: Detector, path: Path | None = None, log: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run ``detect`` over every passage and evaluate; ``{"skipped": reason}`` without data."""
    rows = load(path)
    if isinstance(rows, str):
        return {"skipped": rows}
    articles = impresso_articles(rows)
    if log is not None:
        log(f"impresso: {len(articles)} passages")
    started = time.perf_counter()
    reports = detect(articles)
    seconds = time.perf_counter() - started
    result = evaluate(rows, reports)
    result["seconds"] = round(seconds, 2)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate one detector on the impresso passages and print the JSON figures."""
    from benchmarks.detectors import DETECTORS  # noqa: PLC0415  # engine imported on use

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.impresso",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--detector", choices=sorted(DETECTORS), default="engine")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="passages.jsonl.gz (default: ../shared/data/..., or $REDITE_IMPRESSO)",
    )
    args = parser.parse_args(argv)
    result = run(DETECTORS[args.detector], args.data, lambda line: print(line, file=sys.stderr))
    if "skipped" in result:
        print(result["skipped"], file=sys.stderr)
        return 0
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
