"""What a generated corpus truly contains: related pairs, their kind, coverage and
passages, and the repetition inside each article. Written next to the corpus as JSON.

Spans are ``(start, end)`` code-point offsets into the generated texts. Coverage, as in
DESIGN.md, is the share of a side's body (furniture excluded) inside shared passages;
it is counted in letters and digits so that re-wrapping does not change it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detector.model import Kind

Span = tuple[int, int]

DUPLICATE = 0.9
REPUBLICATION = 0.5


def kind_of(coverage_a: float, coverage_b: float) -> Kind:
    """DESIGN.md's default rule: duplicate when both sides are at least 0.9 covered,
    republication when either is at least 0.5, partial otherwise.

    >>> kind_of(0.95, 0.92), kind_of(1.0, 0.4), kind_of(0.2, 0.1)
    ('duplicate', 'republication', 'partial')
    """
    if min(coverage_a, coverage_b) >= DUPLICATE:
        return "duplicate"
    if max(coverage_a, coverage_b) >= REPUBLICATION:
        return "republication"
    return "partial"


def is_ambiguous(coverage_a: float, coverage_b: float, margin: float) -> bool:
    """True when a coverage that decides the kind lies within ``margin`` of its threshold,
    so that a fair detector could measure it on either side."""
    low, high = sorted((coverage_a, coverage_b))
    if abs(low - DUPLICATE) < margin:
        return True
    return low < DUPLICATE and abs(high - REPUBLICATION) < margin


@dataclass(frozen=True, slots=True)
class TruthPassage:
    """One stretch of shared text: where it is in ``a`` and where in ``b``."""

    a_span: Span
    b_span: Span


@dataclass(frozen=True, slots=True)
class TruthPair:
    """Two articles that share text. ``a < b``; ``relation`` says how it was made."""

    a: str
    b: str
    relation: str
    kind: Kind
    coverage_a: float
    coverage_b: float
    passages: tuple[TruthPassage, ...]
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class TruthRepeat:
    """Text repeated inside one article: ``spans`` are ``(first, repeat)`` pairs."""

    id: str
    relation: str
    fraction: float
    spans: tuple[tuple[Span, Span], ...]


@dataclass(frozen=True, slots=True)
class TruthArticle:
    """How one article was made (for breakdowns; never shown to a detector)."""

    id: str
    site: str
    layout: str
    role: str
    body_chars: int


@dataclass(frozen=True, slots=True)
class Truth:
    """Everything a scorer needs to know about a corpus."""

    articles: tuple[TruthArticle, ...]
    pairs: tuple[TruthPair, ...]
    repeats: tuple[TruthRepeat, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (see :func:`truth_from_json` for the way back)."""
        return {
            "meta": dict(self.meta),
            "articles": [
                {
                    "id": a.id,
                    "site": a.site,
                    "layout": a.layout,
                    "role": a.role,
                    "body_chars": a.body_chars,
                }
                for a in self.articles
            ],
            "pairs": [
                {
                    "a": p.a,
                    "b": p.b,
                    "relation": p.relation,
                    "kind": p.kind,
                    "coverage": [round(p.coverage_a, 4), round(p.coverage_b, 4)],
                    "ambiguous": p.ambiguous,
                    "passages": [
                        {"a_span": list(x.a_span), "b_span": list(x.b_span)} for x in p.passages
                    ],
                }
                for p in self.pairs
            ],
            "repeats": [
                {
                    "id": r.id,
                    "relation": r.relation,
                    "fraction": round(r.fraction, 4),
                    "spans": [{"first": list(f), "repeat": list(s)} for f, s in r.spans],
                }
                for r in self.repeats
            ],
        }


def _span(value: Sequence[int]) -> Span:
    return int(value[0]), int(value[1])


def truth_from_json(data: Mapping[str, Any]) -> Truth:
    """Read back what :meth:`Truth.to_json` wrote."""
    return Truth(
        articles=tuple(
            TruthArticle(a["id"], a["site"], a["layout"], a["role"], int(a["body_chars"]))
            for a in data["articles"]
        ),
        pairs=tuple(
            TruthPair(
                a=p["a"],
                b=p["b"],
                relation=p["relation"],
                kind=p["kind"],
                coverage_a=float(p["coverage"][0]),
                coverage_b=float(p["coverage"][1]),
                passages=tuple(
                    TruthPassage(_span(x["a_span"]), _span(x["b_span"])) for x in p["passages"]
                ),
                ambiguous=bool(p.get("ambiguous", False)),
            )
            for p in data["pairs"]
        ),
        repeats=tuple(
            TruthRepeat(
                id=r["id"],
                relation=r["relation"],
                fraction=float(r["fraction"]),
                spans=tuple((_span(s["first"]), _span(s["repeat"])) for s in r["spans"]),
            )
            for r in data["repeats"]
        ),
        meta=dict(data.get("meta", {})),
    )


def write_truth(truth: Truth, path: Path) -> None:
    """Write ``truth`` as indented JSON."""
    path.write_text(
        json.dumps(truth.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def read_truth(path: Path) -> Truth:
    """Read a truth file written by :func:`write_truth`."""
    return truth_from_json(json.loads(path.read_text(encoding="utf-8")))
