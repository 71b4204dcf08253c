"""Baselines built with datasketch alone, answering with redite's report structure.

- ``textbook``: the recipe of every MinHash tutorial. The whole article as word
  5-grams, 128 permutations, ``MinHashLSH`` at Jaccard 0.5; an LSH collision is a
  match, reported as a duplicate covering both texts.
- ``paragraph``: the same recipe per paragraph. Two articles are related when any of
  their paragraphs collide; coverage is the share of each side's paragraph characters
  in colliding paragraphs, and the kind follows from it with DESIGN.md's thresholds.
  Paragraphs colliding inside one article are reported as internal repeats.
- ``char5``: per paragraph, accent-free character 5-grams, LSH at Jaccard 0.3,
  verified by exact shingle containment of at least 0.5 (the recipe DESIGN.md
  measured before the engine existed).

Paragraphs are blocks separated by blank lines; a block whose characters sit mostly in
long lines (one line per paragraph) is split into its lines, a block of short lines (a
hard-wrapped column) stays whole. As CCNet-style pipelines do with boilerplate lines,
paragraphs whose exact text appears on ``furniture_pages`` pages or more, and
paragraphs under ``min_chars`` characters, are dropped first: without that every
cookie notice and byline would relate every page of a site.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import xxhash
from datasketch import MinHash, MinHashLSH

from benchmarks.truth import kind_of
from detector.model import Article, ArticleReport, InternalRepeats, Match, Passage, RepeatSpan

Span = tuple[int, int]
Detector = Callable[[Sequence[Article]], list[ArticleReport]]


@dataclass(frozen=True, slots=True)
class BaselineParams:
    """The knobs of the datasketch recipes (defaults are the textbook values)."""

    num_perm: int = 128
    threshold: float = 0.5
    words: int = 5
    chars: int = 5
    char_threshold: float = 0.3
    containment: float = 0.5
    furniture_pages: int = 8
    min_chars: int = 60
    """Shorter paragraphs (bylines, dates, menus) are skipped, as dedup pipelines do."""
    seed: int = 1

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0 or not 0.0 < self.char_threshold < 1.0:
            raise ValueError("LSH thresholds must lie in (0, 1)")
        if self.words < 1 or self.chars < 1:
            raise ValueError("shingle sizes must be positive")
        if self.furniture_pages < 2:
            raise ValueError(f"furniture_pages must be at least 2, got {self.furniture_pages}")


def _hash(data: bytes) -> int:
    return xxhash.xxh32_intdigest(data)


def _signatures(shingle_sets: Sequence[set[bytes]], params: BaselineParams) -> list[MinHash]:
    signatures: list[MinHash] = MinHash.bulk(
        shingle_sets, num_perm=params.num_perm, seed=params.seed, hashfunc=_hash
    )
    return signatures


def word_shingles(text: str, size: int) -> set[bytes]:
    """Lower-cased whitespace words, ``size`` at a time (fewer words: the text itself)."""
    words = text.lower().split()
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def char_shingles(text: str, size: int) -> set[bytes]:
    """Accent-free, case-folded character ``size``-grams, whitespace collapsed."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch)
    )
    plain = " ".join(plain.split())
    return {plain[i : i + size].encode() for i in range(len(plain) - size + 1)}


_BLANK = re.compile(r"\n[ \t]*\n")
LONG_LINE = 80
"""Lines at least this long are taken for whole paragraphs, shorter ones for a column."""


def paragraphs(text: str) -> list[Span]:
    """Paragraph spans of ``text`` (see the module docstring for the rule).

    >>> line = "A one-line paragraph, long enough to count as a whole paragraph on its own line."
    >>> paragraphs(line + "\\nB")
    [(0, 80), (81, 82)]
    >>> paragraphs("a hard-\\nwrapped column\\n\\nnext")
    [(0, 22), (24, 28)]
    """
    spans: list[Span] = []
    start = 0
    for match in [*_BLANK.finditer(text), None]:
        end = len(text) if match is None else match.start()
        block = text[start:end]
        if block.strip():
            if not _one_line_paragraphs(block):
                spans.append(_strip(text, start, end))
            else:
                offset = start
                for line in block.split("\n"):
                    if line.strip():
                        spans.append(_strip(text, offset, offset + len(line)))
                    offset += len(line) + 1
        if match is not None:
            start = match.end()
    return spans


def _one_line_paragraphs(block: str) -> bool:
    """Most characters sit in long lines: each line is a paragraph, not a column line."""
    lines = block.split("\n")
    long = sum(len(line) for line in lines if len(line) >= LONG_LINE)
    return len(lines) > 1 and long > sum(len(line) for line in lines) / 2


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(frozen=True, slots=True)
class _Unit:
    article: int
    span: Span


def _units(articles: Sequence[Article], params: BaselineParams) -> list[_Unit]:
    pages: dict[str, set[int]] = defaultdict(set)
    found: list[tuple[_Unit, str]] = []
    for number, article in enumerate(articles):
        for span in paragraphs(article.text):
            key = " ".join(article.text[span[0] : span[1]].split())
            pages[key].add(number)
            found.append((_Unit(number, span), key))
    return [
        unit
        for unit, key in found
        if len(pages[key]) < params.furniture_pages and len(key) >= params.min_chars
    ]


def textbook(
    articles: Sequence[Article], params: BaselineParams | None = None
) -> list[ArticleReport]:
    """Whole-article word-5-gram MinHash LSH; every collision is a duplicate."""
    params = params or BaselineParams()
    shingles = [word_shingles(a.text, params.words) for a in articles]
    signatures = _signatures(shingles, params)
    lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm)
    for number, signature in enumerate(signatures):
        if shingles[number]:
            lsh.insert(str(number), signature)
    reports = []
    for number, article in enumerate(articles):
        matches = []
        if shingles[number]:
            for key in sorted(lsh.query(signatures[number]), key=int):
                other = int(key)
                if other == number:
                    continue
                score = float(signatures[number].jaccard(signatures[other]))
                whole = Passage((0, len(article.text)), (0, len(articles[other].text)), score)
                matches.append(Match(articles[other].id, "duplicate", score, 1.0, 1.0, (whole,)))
        reports.append(ArticleReport(article.id, matches=tuple(matches)))
    return reports


def paragraph_lsh(
    articles: Sequence[Article], params: BaselineParams | None = None
) -> list[ArticleReport]:
    """Per-paragraph word-5-gram MinHash LSH at Jaccard 0.5."""
    params = params or BaselineParams()
    units = _units(articles, params)
    shingles = [
        word_shingles(articles[u.article].text[u.span[0] : u.span[1]], params.words) for u in units
    ]
    return _collide(
        articles, units, shingles, threshold=params.threshold, containment=None, params=params
    )


def char5_containment(
    articles: Sequence[Article], params: BaselineParams | None = None
) -> list[ArticleReport]:
    """Per-paragraph accent-free char-5-gram LSH at 0.3, verified at containment 0.5."""
    params = params or BaselineParams()
    units = _units(articles, params)
    shingles = [
        char_shingles(articles[u.article].text[u.span[0] : u.span[1]], params.chars) for u in units
    ]
    return _collide(
        articles,
        units,
        shingles,
        threshold=params.char_threshold,
        containment=params.containment,
        params=params,
    )


def _collide(
    articles: Sequence[Article],
    units: Sequence[_Unit],
    shingles: Sequence[set[bytes]],
    *,
    threshold: float,
    containment: float | None,
    params: BaselineParams,
) -> list[ArticleReport]:
    keep = [i for i, s in enumerate(shingles) if s]
    signatures = dict(zip(keep, _signatures([shingles[i] for i in keep], params), strict=True))
    lsh = MinHashLSH(threshold=threshold, num_perm=params.num_perm)
    for i in keep:
        lsh.insert(str(i), signatures[i])
    pairs: set[tuple[int, int]] = set()
    for i in keep:
        for key in lsh.query(signatures[i]):
            j = int(key)
            if j <= i:
                continue
            if containment is not None:
                common = len(shingles[i] & shingles[j])
                if common < containment * min(len(shingles[i]), len(shingles[j])):
                    continue
            pairs.add((i, j))
    return _reports(articles, units, sorted(pairs))


def _reports(
    articles: Sequence[Article], units: Sequence[_Unit], pairs: Sequence[tuple[int, int]]
) -> list[ArticleReport]:
    body = [0] * len(articles)
    for unit in units:
        body[unit.article] += unit.span[1] - unit.span[0]
    linked: dict[tuple[int, int], list[tuple[Span, Span]]] = defaultdict(list)
    repeats: dict[int, list[RepeatSpan]] = defaultdict(list)
    for i, j in pairs:
        one, two = units[i], units[j]
        if one.article == two.article:
            first, again = sorted((one.span, two.span))
            repeats[one.article].append(RepeatSpan(first, again))
            continue
        linked[(one.article, two.article)].append((one.span, two.span))
        linked[(two.article, one.article)].append((two.span, one.span))
    matches: dict[int, list[Match]] = defaultdict(list)
    for (a, b), spans in sorted(linked.items()):
        cover_a = _covered({s for s, _ in spans}) / max(1, body[a])
        cover_b = _covered({s for _, s in spans}) / max(1, body[b])
        passages = tuple(Passage(s, t, 1.0) for s, t in spans)
        kind = kind_of(cover_a, cover_b)
        score = (cover_a + cover_b) / 2
        matches[a].append(Match(articles[b].id, kind, score, cover_a, cover_b, passages))
    reports = []
    for number, article in enumerate(articles):
        repeated = tuple(repeats.get(number, ()))
        fraction = _covered({s.repeat for s in repeated}) / max(1, body[number])
        reports.append(
            ArticleReport(article.id, InternalRepeats(fraction, repeated), tuple(matches[number]))
        )
    return reports


def _covered(spans: set[Span]) -> int:
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total
