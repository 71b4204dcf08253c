"""Parameter sweep: the engine under one-parameter changes, on both benchmarks.

The defaults in ``detector.config`` were chosen with this sweep; BENCHMARKS.md shows its
table so the choice and its cost can be checked and re-measured.

    python -m benchmarks.sweep [--variants defaults,passage60] [--skip-impresso]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import impresso
from benchmarks.corpus import CorpusParams, generate
from benchmarks.data import REPO_ROOT
from benchmarks.machine import header, write_result
from benchmarks.score import score
from detector import Article, ArticleReport, DetectorConfig, check_corpus
from detector.config import PRESETS

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "sweep.json"

VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "defaults": ("the defaults", {}),
    "passage60": ("passages from 60 aligned characters (not 70)", {"min_passage_chars": 60}),
    "common200": (
        "passages of common units from 200 aligned characters (not 120)",
        {"common_passage_chars": 200},
    ),
    "common100": (
        "passages of common units from 100 aligned characters (not 120)",
        {"common_passage_chars": 100},
    ),
    "no_common": ("no document-frequency rule", {"common_df": 10_000_000}),
    "perm128": ("128 permutations (37 bands x 3 rows)", {"num_perm": 128}),
    "lsh04": ("LSH threshold 0.4 (16 bands x 4 rows)", {"lsh_threshold": 0.4}),
    "shingle4": ("4-character shingles", {"shingle_size": 4}),
    "hits1": ("one shared bucket makes a candidate (not two)", {"min_band_hits": 1}),
    "unit25": ("units from 25 characters (not 40)", {"unit_min_chars": 25}),
    "loose": (
        "looser verification (containment 0.4, unit coverage 0.4, similarity 0.5)",
        {"verify_containment": 0.4, "min_unit_coverage": 0.4, "min_similarity": 0.5},
    ),
    "no_runs": (
        "no unbroken-run rules for short and common passages",
        {"short_run_chars": 0, "common_run_chars": 0},
    ),
    "ocr": (
        "--preset ocr: 192 permutations (64 x 3), one shared bucket, 300 candidates, "
        "common from 50 articles and 100 aligned characters",
        PRESETS["ocr"][1],
    ),
    "ocr_no_runs": (
        "--preset ocr without the unbroken-run rules",
        {**PRESETS["ocr"][1], "short_run_chars": 0, "common_run_chars": 0},
    ),
    "ocr_before": (
        "--preset ocr as it was until 2026-12-07: 128 permutations (42 x 3), two shared "
        "buckets, 100 candidates, common from 20 articles and 100 aligned characters",
        {
            "num_perm": 128,
            "bands": 42,
            "rows": 3,
            "common_passage_chars": 100,
            "short_run_chars": 0,
            "common_run_chars": 0,
        },
    ),
    "ocr256": (
        "--preset ocr with 256 permutations (85 x 3)",
        {**PRESETS["ocr"][1], "num_perm": 256, "bands": 85},
    ),
    "ocr_unit25": (
        "--preset ocr with units from 25 characters",
        {**PRESETS["ocr"][1], "unit_min_chars": 25},
    ),
}


def _log(message: str) -> None:
    print(f"[sweep {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _engine(config: DetectorConfig, articles: Sequence[Article]) -> list[ArticleReport]:
    return check_corpus(articles, config)


def _composed_figures(scored: dict[str, Any]) -> dict[str, Any]:
    pairs = scored["pairs"]
    return {
        "precision": pairs["precision"],
        "recall": pairs["recall"],
        "f1": pairs["f1"],
        "quoted_recall": pairs["recall_by_relation"]["quoted_paragraph"]["recall"],
        "kind_accuracy": pairs["kind"]["accuracy"],
        "repeats_precision": scored["repeats"]["precision"],
        "repeats_recall": scored["repeats"]["recall"],
    }


def run(names: Sequence[str], skip_impresso: bool, data: Path | None) -> dict[str, Any]:
    """Each variant on the composed corpus and (unless skipped) on impresso."""
    corpus = generate(CorpusParams(), data)
    results: dict[str, Any] = {}
    for name in names:
        label, changes = VARIANTS[name]
        config = DetectorConfig(**changes)
        _log(f"{name}: {label}")
        started = time.perf_counter()
        reports = check_corpus(corpus.articles, config)
        entry: dict[str, Any] = {
            "label": label,
            "changes": changes,
            "composed": _composed_figures(score(corpus.articles, reports, corpus.truth)),
            "composed_seconds": round(time.perf_counter() - started, 2),
        }
        if not skip_impresso:
            found = impresso.run(partial(_engine, config), data)
            entry["impresso"] = {
                k: found[k]
                for k in ("recall", "silver_precision", "seconds", "skipped")
                if k in found
            }
        _log(f"  {json.dumps(entry)}")
        results[name] = entry
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sweep and write its JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sweep",
        description="The engine under one-parameter changes, on the composed corpus and "
        "the impresso passages (about 3 minutes a variant on 2 cores).",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="result JSON")
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, from: {', '.join(VARIANTS)}",
    )
    parser.add_argument("--skip-impresso", action="store_true", help="composed corpus only")
    parser.add_argument("--data", type=Path, default=None, help="impresso passages.jsonl.gz")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")
    result = {
        **header("sweep", argv),
        "variants": run(names, args.skip_impresso, args.data),
    }
    write_result(result, args.out)
    _log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
