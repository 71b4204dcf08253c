"""A composed republication corpus with its truth known by construction.

About 3 KB news pages are composed from real reused text (impresso passages, read from
``../shared/data`` and never copied into the project) or, on a fresh clone without that
data, from clearly synthetic pseudo-French. Pages carry site furniture; some are
derived from others: exact copies on another site, edited republications (other
papers' real reprints plus desk edits), truncations, copies with local paragraphs
added; some quote one paragraph of an unrelated page; some print their body twice.
Deterministic given the seed.

    python -m benchmarks.corpus --out benchmarks/results/tmp/corpus --articles 2000 --seed 1
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import compose
from benchmarks.compose import Draft, Overlap, Piece
from benchmarks.data import REPO_ROOT, impresso_path, load_passages, missing_reason
from benchmarks.edits import LAYOUT_WEIGHTS, LAYOUTS
from benchmarks.layout import render
from benchmarks.sites import SITES
from benchmarks.sources import SyntheticPool, Unit, UnitPool, impresso_units
from benchmarks.truth import Truth, TruthArticle, TruthPair, is_ambiguous, kind_of, write_truth
from detector.model import Article, Kind

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "tmp" / "corpus"


@dataclass(frozen=True, slots=True)
class CorpusParams:
    """The shape of a generated corpus. Shares are of the number of articles."""

    articles: int = 1500
    seed: int = 1
    body_chars: tuple[int, int] = (1000, 2800)
    group_share: float = 0.6
    """Articles in groups of one original and its republications."""
    quote_share: float = 0.08
    """Unrelated articles that quote one paragraph of another."""
    doubled_share: float = 0.03
    teaser_share: float = 0.01
    derivation_weights: tuple[float, float, float, float] = (0.2, 0.4, 0.2, 0.2)
    """Weights of compose.DERIVATIONS: exact copy, edited, truncation, local additions."""
    margin: float = 0.07
    """Truth coverages this close to a kind threshold are re-drawn (kind must be clear)."""
    source: str = "auto"
    """"impresso", "synthetic", or "auto" (impresso when the data is there)."""

    def __post_init__(self) -> None:
        if self.articles < 10:
            raise ValueError(f"articles must be at least 10, got {self.articles}")
        shares = self.group_share + self.quote_share + self.doubled_share + self.teaser_share
        if shares > 0.95:
            raise ValueError(
                f"group, quote, doubled and teaser shares add up to {shares:.2f}: "
                "keep them under 0.95"
            )
        if self.source not in ("auto", "impresso", "synthetic"):
            raise ValueError(f"source must be auto, impresso or synthetic, got {self.source!r}")
        if not 0.0 <= self.margin < 0.2:
            raise ValueError(f"margin must lie in [0, 0.2), got {self.margin}")


@dataclass(frozen=True, slots=True)
class Corpus:
    """Generated articles and what is true about them."""

    articles: tuple[Article, ...]
    truth: Truth
    params: CorpusParams = field(default_factory=CorpusParams)


class _Builder:
    def __init__(self, params: CorpusParams, pool: UnitPool, units: dict[str, Unit]) -> None:
        self.params = params
        self.rng = random.Random(params.seed)
        self.pool = pool
        self.units = units
        self.drafts: list[Draft] = []
        self.start = datetime(1900, 1, 1, 6, 0, tzinfo=UTC)

    def _draft(self, pieces: Sequence[Piece], **extra: object) -> Draft:
        rng = self.rng
        when = self.start + timedelta(minutes=rng.randint(0, 360 * 24 * 60))
        draft = Draft(
            index=len(self.drafts),
            site=rng.choice(SITES),
            layout=rng.choices(LAYOUTS, LAYOUT_WEIGHTS)[0],
            dehyphenate=rng.random() < 0.8,
            pieces=tuple(pieces),
            published=when,
        )
        return replace(draft, **extra)  # type: ignore[arg-type]

    def original(self, role: str, repeat: str | None = None) -> Draft:
        low, high = self.params.body_chars
        pieces = compose.fresh_pieces(self.pool, self.rng, self.rng.randint(low, high))
        draft = self._draft(pieces, role=role, repeat=repeat)
        self.drafts.append(draft)
        return draft

    def derive(self, original: Draft, how: str, siblings: Sequence[Draft]) -> Draft | None:
        """A republication of ``original`` whose kind is clear against every sibling."""
        rng = self.rng
        for _ in range(8):
            if how == "exact_copy":
                pieces = compose.exact_copy(original)
            elif how == "edited_copy":
                pieces = compose.edited_copy(original, self.units, rng)
            elif how == "truncation":
                pieces = compose.truncated_copy(original, rng)
            else:
                pieces = compose.with_local_paragraphs(original, self.pool, rng)
            draft = self._draft(pieces, role="derived", parent=original.index, relation=how)
            site = original.site if how == "exact_copy" and rng.random() < 0.3 else draft.site
            draft = replace(draft, site=site, published=compose.later(original.published, rng))
            expected = _EXPECTED_KIND.get(how)
            found = compose.overlap(original, draft)
            if expected is not None and (
                found is None or kind_of(found.coverage_a, found.coverage_b) != expected
            ):
                continue
            if all(self._clear(compose.overlap(other, draft)) for other in siblings):
                self.drafts.append(draft)
                return draft
        return None

    def _clear(self, found: Overlap | None) -> bool:
        if found is None:
            return True
        return not is_ambiguous(found.coverage_a, found.coverage_b, self.params.margin)

    def quote(self, host: Draft, candidates: Sequence[Draft]) -> None:
        """Insert one paragraph of a random candidate into ``host``."""
        rng = self.rng
        for _ in range(10):
            source = rng.choice(candidates)
            piece = compose.quoted_piece(source, self.units, rng)
            if piece is None:
                continue
            body = list(host.pieces)
            body.insert(rng.randrange(len(body) + 1), piece)
            quoted = replace(host, pieces=tuple(body), quote_from=source.index, role="quoting")
            holders = [d for d in self.drafts if d.index != host.index and _holds(d, piece.unit)]
            direct = compose.overlap(source, quoted)
            if direct is None or kind_of(direct.coverage_a, direct.coverage_b) != "partial":
                continue
            if all(self._clear(compose.overlap(d, quoted)) for d in holders):
                self.drafts[host.index] = quoted
                return


# What each derivation must come out as against its original (edited copies vary).
_EXPECTED_KIND: dict[str, Kind] = {
    "exact_copy": "duplicate",
    "truncation": "republication",
    "local_additions": "republication",
}


def _holds(draft: Draft, unit: str) -> bool:
    return any(p.unit == unit for p in draft.pieces)


def _plan(builder: _Builder) -> None:
    params, rng = builder.params, builder.rng
    total = params.articles
    grouped_target = int(params.group_share * total)
    grouped = 0
    while grouped < grouped_target:
        original = builder.original("original")
        family = [original]
        size = rng.choices((1, 2, 3), (0.5, 0.35, 0.15))[0]
        for _ in range(min(size, grouped_target - grouped - 1) or 1):
            how = rng.choices(compose.DERIVATIONS, params.derivation_weights)[0]
            derived = builder.derive(original, how, family)
            if derived is not None:
                family.append(derived)
        grouped += len(family)
    for _ in range(round(params.doubled_share * total)):
        builder.original("standalone", repeat="doubled_body")
    for _ in range(round(params.teaser_share * total)):
        builder.original("standalone", repeat="teaser")
    while len(builder.drafts) < total:
        builder.original("standalone")
    hosts = [d for d in builder.drafts if d.role == "standalone" and d.repeat is None]
    sources = [d for d in builder.drafts if d.repeat is None]
    for host in rng.sample(hosts, min(len(hosts), round(params.quote_share * total))):
        builder.quote(host, [s for s in sources if s.index != host.index])


def _relation(a: Draft, b: Draft) -> str:
    if b.parent == a.index and b.relation:
        return b.relation
    if a.parent == b.index and a.relation:
        return a.relation
    if a.quote_from == b.index or b.quote_from == a.index:
        return "quoted_paragraph"
    if a.parent is not None and a.parent == b.parent:
        return "sibling"
    return "indirect"


def _overlaps(drafts: Sequence[Draft]) -> dict[tuple[int, int], Overlap]:
    holders: dict[str, set[int]] = defaultdict(set)
    for draft in drafts:
        for piece in draft.pieces:
            holders[piece.unit].add(draft.index)
    candidates = {(a, b) for indexes in holders.values() for a in indexes for b in indexes if a < b}
    found: dict[tuple[int, int], Overlap] = {}
    for a, b in sorted(candidates):
        result = compose.overlap(drafts[a], drafts[b])
        if result is not None:
            found[(a, b)] = result
    return found


def make_pool(params: CorpusParams, data: Path | None = None) -> UnitPool:
    """The text source ``params.source`` names; ``data`` overrides the impresso path."""
    rng = random.Random(f"pool-{params.seed}")
    path = impresso_path(data)
    reason = missing_reason(path)
    if params.source == "synthetic" or (params.source == "auto" and reason is not None):
        return SyntheticPool(rng)
    if reason is not None:
        raise FileNotFoundError(reason)
    return UnitPool(impresso_units(load_passages(path)), rng, "impresso")


def generate(params: CorpusParams, data: Path | None = None) -> Corpus:
    """Compose a corpus; the same ``params`` (and data) give the same corpus.

    >>> corpus = generate(CorpusParams(articles=40, source="synthetic"))
    >>> len(corpus.articles), corpus.truth.meta["source"]
    (40, 'synthetic')
    """
    pool = make_pool(params, data)
    builder = _Builder(params, pool, pool.taken)
    _plan(builder)
    drafts = builder.drafts
    order = list(range(len(drafts)))
    random.Random(f"order-{params.seed}").shuffle(order)
    ids = {index: f"n{position:05d}" for position, index in enumerate(order)}
    page_rng = random.Random(f"pages-{params.seed}")
    pages = {d.index: render(d, ids[d.index], page_rng) for d in drafts}
    pairs: list[TruthPair] = []
    for (first, second), overlap in _overlaps(drafts).items():
        a, b, found = first, second, overlap
        if ids[a] > ids[b]:
            a, b, found = second, first, compose.swap(overlap)
        pairs.append(
            TruthPair(
                a=ids[a],
                b=ids[b],
                relation=_relation(drafts[a], drafts[b]),
                kind=kind_of(found.coverage_a, found.coverage_b),
                coverage_a=found.coverage_a,
                coverage_b=found.coverage_b,
                passages=pages[a].passages_with(pages[b], found),
                ambiguous=is_ambiguous(found.coverage_a, found.coverage_b, params.margin),
            )
        )
    articles = tuple(pages[index].article for index in order)
    truth = Truth(
        articles=tuple(
            TruthArticle(
                ids[d.index],
                d.site.domain,
                d.layout,
                d.repeat or d.relation or d.role,
                pages[d.index].body_chars,
            )
            for d in sorted(drafts, key=lambda d: ids[d.index])
        ),
        pairs=tuple(sorted(pairs, key=lambda p: (p.a, p.b))),
        repeats=tuple(
            sorted((r for p in pages.values() if (r := p.repeat) is not None), key=lambda r: r.id)
        ),
        meta={
            "generator": "benchmarks.corpus",
            "params": asdict(params),
            "source": pool.name,
            "synthetic": pool.synthetic,
            "units_used": pool.used,
            "units_available": pool.size,
        },
    )
    return Corpus(articles, truth, params)


def write_corpus(corpus: Corpus, out: Path) -> tuple[Path, Path]:
    """Write ``articles.jsonl`` (DESIGN.md's article format) and ``truth.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    articles_path = out / "articles.jsonl"
    with articles_path.open("w", encoding="utf-8") as handle:
        for article in corpus.articles:
            handle.write(json.dumps(article.to_json(), ensure_ascii=False) + "\n")
    truth_path = out / "truth.json"
    write_truth(corpus.truth, truth_path)
    return articles_path, truth_path


def main(argv: Sequence[str] | None = None) -> int:
    """Generate a corpus and its truth into a folder."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.corpus",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder to write (default: %(default)s)"
    )
    defaults = CorpusParams()
    parser.add_argument(
        "--articles", type=int, default=defaults.articles, help="number of articles"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed")
    parser.add_argument("--source", choices=("auto", "impresso", "synthetic"), default="auto")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="impresso passages.jsonl.gz (default: ../shared/data/..., or $REDITE_IMPRESSO)",
    )
    args = parser.parse_args(argv)
    params = CorpusParams(articles=args.articles, seed=args.seed, source=args.source)
    corpus = generate(params, args.data)
    articles_path, truth_path = write_corpus(corpus, args.out)
    print(
        f"{len(corpus.articles)} articles -> {articles_path}; truth -> {truth_path}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
