"""Where the engine loses passim's pairs: each missed impresso pair, put in the step
that lost it.

The engine is run over every passage (as in ``benchmarks.impresso``); each gold pair it
does not relate is then looked at alone:

- ``corpus``: the two passages match when checked on their own. The pair was lost to
  what the rest of the corpus does: the document-frequency rule (text many passages
  carry needs ``common_passage_chars``), hot buckets, ``max_candidates``.
- ``candidates``: :func:`detector.score.compare` accepts the pair, but LSH does not
  bring the two together (fewer than ``min_band_hits`` shared buckets, or their
  shared text sits in units too short to index).
- verification, when ``compare`` itself rejects the pair: ``no_body`` (one side is all
  boilerplate), ``no_unit_pair`` (no two units share ``verify_containment`` of their
  shingles), ``alignment`` (unit pairs found, none aligns well enough) and
  ``short_passages`` (aligned, but no passage reaches ``min_passage_chars``, or under
  ``common_passage_chars`` a run of ``short_run_chars``).

``ceiling`` is the recall the engine would reach with a perfect candidate step and no
corpus effects: found + corpus + candidates, over the gold pairs. Only counts are
written: the passages are evaluation data that must not be copied.

    python -m benchmarks.misses --out benchmarks/results/misses.json
    python -m benchmarks.misses --preset ocr --out benchmarks/results/misses_ocr.json
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.data import REPO_ROOT, passim_pairs
from benchmarks.impresso import impresso_articles, load, related_rows
from benchmarks.machine import header, write_result
from detector import DetectorConfig, check_corpus
from detector.config import PRESETS
from detector.explain import explain
from detector.prepare import Prepared, prepare_batch

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "misses.json"
STEPS = (
    "corpus",
    "candidates",
    "no_body",
    "no_unit_pair",
    "alignment",
    "short_passages",
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _log(message: str) -> None:
    print(f"[misses {datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


_LOST_AT = {
    "body": "no_body",
    "unit pairs": "no_unit_pair",
    "alignment": "alignment",
    "passages": "short_passages",
}


def lost_at(a: Prepared, b: Prepared, config: DetectorConfig) -> str:
    """The step that loses a pair the engine does not relate (see the module doc)."""
    if check_corpus([a.article, b.article], config)[0].matches:
        return "corpus"
    why = explain(a, b, config)
    if why.comparison is not None:
        return "candidates"
    # compare's common-unit rule cannot apply alone: "corpus" is not reached
    return _LOST_AT.get(why.lost_at or "", "corpus")


def containment(a: str, b: str, k: int = 5) -> float:
    """Accent-free character k-gram containment of the shorter text in the longer: how
    much text two passages share, whatever the engine makes of it."""
    grams = [_grams(a, k), _grams(b, k)]
    smaller = min(len(g) for g in grams)
    return len(grams[0] & grams[1]) / smaller if smaller else 0.0


def _grams(text: str, k: int) -> set[str]:
    text = text.replace("-\n", "").lower()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _NOT_ALNUM.sub(" ", text)
    return {text[i : i + k] for i in range(len(text) - k + 1)}


def run(path: Path | None, config: DetectorConfig) -> dict[str, Any]:
    """The engine's impresso misses, counted by step; ``{"skipped": ...}`` without data."""
    rows = load(path)
    if isinstance(rows, str):
        return {"skipped": rows}
    articles = impresso_articles(rows)
    _log(f"{len(articles)} passages: running the engine")
    started = time.perf_counter()
    predicted = related_rows(rows, check_corpus(articles, config))
    gold = passim_pairs(rows)
    missed = sorted(gold - predicted.keys())
    _log(f"{len(missed)} of {len(gold)} passim pairs missed: looking at each alone")
    needed = sorted({i for pair in missed for i in pair})
    prepared = dict(zip(needed, prepare_batch([articles[i] for i in needed], config), strict=True))
    steps: Counter[str] = Counter()
    shared = []
    for a, b in missed:
        steps[lost_at(prepared[a], prepared[b], config)] += 1
        shared.append(containment(rows[a].text, rows[b].text))
    found = len(gold) - len(missed)
    reachable = found + steps["corpus"] + steps["candidates"]
    quantiles = np.quantile(shared, [0.1, 0.25, 0.5, 0.75, 0.9]).tolist() if shared else []
    return {
        "passim_pairs": len(gold),
        "found": found,
        "recall": round(found / len(gold), 4),
        "missed": len(missed),
        "lost_at": {step: steps[step] for step in STEPS},
        "ceiling": round(reachable / len(gold), 4),
        "missed_containment": {
            "quantiles_10_25_50_75_90": [round(q, 3) for q in quantiles],
            "at_least_0.5": sum(s >= 0.5 for s in shared),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Count the misses and write the JSON (``--out``) or print it."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.misses",
        description="Why the engine misses passim's impresso pairs, step by step "
        "(about a minute; needs ../shared/data).",
    )
    parser.add_argument("--out", type=Path, default=None, help=f"result JSON (e.g. {DEFAULT_OUT})")
    parser.add_argument("--data", type=Path, default=None, help="impresso passages.jsonl.gz")
    parser.add_argument(
        "--preset", choices=list(PRESETS), default="news", help="detector preset (redite --preset)"
    )
    args = parser.parse_args(argv)
    figures = run(args.data, DetectorConfig.preset(args.preset))
    if "skipped" in figures:
        print(figures["skipped"], file=sys.stderr)
        return 0
    result = {**header("misses", argv), "preset": args.preset, **figures}
    write_result(result, args.out)
    if args.out is not None:
        _log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
