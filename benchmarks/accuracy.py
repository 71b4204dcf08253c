"""Accuracy of the engine and of datasketch baselines, in one run, written as one JSON.

Generates the composed republication corpus (benchmarks.corpus), runs every detector on
it and scores them alike (benchmarks.score), then runs the impresso evaluation
(benchmarks.impresso) when ../shared/data is there. Progress goes to stderr.

    python -m benchmarks.accuracy --out benchmarks/results/accuracy.json
    python -m benchmarks.render    # then BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import impresso
from benchmarks.corpus import DEFAULT_OUT, Corpus, CorpusParams, generate, write_corpus
from benchmarks.data import REPO_ROOT, impresso_path, missing_reason
from benchmarks.detectors import DETECTORS, LABELS, Detector
from benchmarks.machine import machine, write_result
from benchmarks.score import score

DEFAULT_RESULT = REPO_ROOT / "benchmarks" / "results" / "accuracy.json"
IMPRESSO_DEFAULT = ("engine", "engine_ocr", "textbook", "paragraph", "char5")


def _log(message: str) -> None:
    print(f"[accuracy {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def corpus_summary(corpus: Corpus) -> dict[str, Any]:
    """Counts that say what the corpus holds."""
    truth = corpus.truth
    return {
        "params": dict(truth.meta.get("params", {})),
        "source": truth.meta.get("source"),
        "synthetic": truth.meta.get("synthetic"),
        "units_used": truth.meta.get("units_used"),
        "articles": len(corpus.articles),
        "characters": sum(len(a.text) for a in corpus.articles),
        "pairs": len(truth.pairs),
        "pairs_by_relation": dict(sorted(Counter(p.relation for p in truth.pairs).items())),
        "pairs_by_kind": dict(sorted(Counter(p.kind for p in truth.pairs).items())),
        "pairs_by_relation_and_kind": dict(
            sorted(Counter(f"{p.relation}/{p.kind}" for p in truth.pairs).items())
        ),
        "ambiguous_pairs": sum(1 for p in truth.pairs if p.ambiguous),
        "repeats_by_relation": dict(sorted(Counter(r.relation for r in truth.repeats).items())),
        "layouts": dict(sorted(Counter(a.layout for a in truth.articles).items())),
    }


def timed(name: str, step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one measurement; a detector that fails is recorded, not fatal."""
    started = time.perf_counter()
    try:
        result = step()
    except Exception as error:  # one broken detector must not lose the others' figures
        _log(f"{name} failed: {error!r}")
        return {
            "error": f"{type(error).__name__}: {error}",
            "traceback": traceback.format_exc(limit=4),
        }
    result.setdefault("seconds", round(time.perf_counter() - started, 2))
    return result


def run_composed(corpus: Corpus, names: Sequence[str]) -> dict[str, Any]:
    """Every detector in ``names`` on the composed corpus, scored."""
    results: dict[str, Any] = {}
    for name in names:
        detect: Detector = DETECTORS[name]
        _log(f"composed corpus: running {name}")

        def step(detect: Detector = detect) -> dict[str, Any]:
            started = time.perf_counter()
            reports = detect(corpus.articles)
            seconds = round(time.perf_counter() - started, 2)
            return {"seconds": seconds, **score(corpus.articles, reports, corpus.truth)}

        results[name] = {"label": LABELS[name], **timed(name, step)}
        if "pairs" in results[name]:
            pairs = results[name]["pairs"]
            _log(
                f"  {name}: F1 {pairs['f1']} (P {pairs['precision']}, R {pairs['recall']}), "
                f"kind accuracy {pairs['kind']['accuracy']}, {results[name]['seconds']} s"
            )
    return results


def run_impresso(names: Sequence[str], data: Path | None) -> dict[str, Any]:
    """Every detector in ``names`` on the impresso passages (or why it was skipped)."""
    reason = missing_reason(impresso_path(data))
    if reason is not None:
        _log(f"impresso skipped: {reason}")
        return {"skipped": reason}
    results: dict[str, Any] = {}
    for name in names:
        _log(f"impresso: running {name}")

        def step(detect: Detector = DETECTORS[name]) -> dict[str, Any]:
            return impresso.run(detect, data, _log)

        results[name] = {"label": LABELS[name], **timed(name, step)}
        if "recall" in results[name]:
            _log(
                f"  {name}: recall {results[name]['recall']}, silver precision "
                f"{results[name]['silver_precision']}, {results[name]['seconds']} s"
            )
    return results


def _names(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in DETECTORS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown detector {unknown[0]!r}; choose from {', '.join(DETECTORS)}"
        )
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.accuracy",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Example: python -m benchmarks.accuracy --out benchmarks/results/accuracy.json",
    )
    defaults = CorpusParams()
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_RESULT, help="result JSON (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="corpus seed (default: %(default)s)"
    )
    parser.add_argument(
        "--articles", type=int, default=defaults.articles, help="corpus size (default: %(default)s)"
    )
    parser.add_argument(
        "--source",
        choices=("auto", "impresso", "synthetic"),
        default="auto",
        help="corpus text source (default: impresso when the data is there)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="impresso passages.jsonl.gz (default: ../shared/data/..., or $REDITE_IMPRESSO)",
    )
    parser.add_argument(
        "--corpus-dir",
        type=Path,
        default=DEFAULT_OUT,
        help="where the generated corpus is written (default: %(default)s, gitignored)",
    )
    parser.add_argument(
        "--detectors",
        type=_names,
        default=list(DETECTORS),
        help="comma-separated, from: " + ", ".join(DETECTORS),
    )
    parser.add_argument(
        "--impresso-detectors",
        type=_names,
        default=list(IMPRESSO_DEFAULT),
        help="comma-separated (default: %(default)s)",
    )
    parser.add_argument("--skip-impresso", action="store_true", help="skip the impresso evaluation")
    return parser.parse_args(argv)


def measure(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Everything one run measures, as a JSON-ready dict."""
    params = CorpusParams(articles=args.articles, seed=args.seed, source=args.source)
    _log(f"generating a corpus of {params.articles} articles (seed {params.seed})")
    started = time.perf_counter()
    corpus = generate(params, args.data)
    articles_path, _truth_path = write_corpus(corpus, args.corpus_dir)
    summary = corpus_summary(corpus)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    summary["written_to"] = str(articles_path.parent)
    _log(
        f"corpus: {summary['articles']} articles, {summary['pairs']} related pairs, "
        f"source {summary['source']}"
    )
    result: dict[str, Any] = {
        "benchmark": "accuracy",
        "command": command,
        "date": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "machine": machine(),
        "corpus": summary,
        "composed": run_composed(corpus, args.detectors),
    }
    if args.skip_impresso:
        result["impresso"] = {"skipped": "--skip-impresso"}
    else:
        result["impresso"] = run_impresso(args.impresso_detectors, args.data)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the accuracy benchmark and write its JSON."""
    args = parse_args(argv)
    shown = sys.argv[1:] if argv is None else list(argv)
    command = shlex.join(["python", "-m", "benchmarks.accuracy", *shown])
    result = measure(args, command)
    write_result(result, args.out)
    _log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
