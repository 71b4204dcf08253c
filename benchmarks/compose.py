"""Articles under construction (drafts) and the ways one is derived from another.

A draft is a list of pieces (paragraphs), each tagged with the unit it comes from. Two
drafts share text exactly where they hold pieces of the same unit; how much they share
is measured by :mod:`benchmarks.overlap` on the folded text, which does not depend on
line breaks, so coverage is known before the pages are laid out.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from benchmarks.edits import HEAVY, LIGHT, MEDIUM, EditRates, change_quotes, edit_text, retypeset
from benchmarks.overlap import Span, folded, shared_folded, union
from benchmarks.sites import Site
from benchmarks.sources import Unit, UnitPool


@dataclass(frozen=True, slots=True)
class Piece:
    """One body paragraph and the unit (news item) its text comes from."""

    unit: str
    text: str


@dataclass(frozen=True, slots=True)
class Draft:
    """An article before layout. ``parent``/``relation`` say how it was derived."""

    index: int
    site: Site
    layout: str
    dehyphenate: bool
    pieces: tuple[Piece, ...]
    published: datetime
    role: str = "standalone"
    parent: int | None = None
    relation: str | None = None
    quote_from: int | None = None
    repeat: str | None = None


@dataclass(frozen=True, slots=True)
class Shared:
    """Folded spans shared by piece ``a_piece`` of one draft and ``b_piece`` of another."""

    a_piece: int
    b_piece: int
    a_span: Span
    b_span: Span


@dataclass(frozen=True, slots=True)
class Overlap:
    """What two drafts share: piece-level spans and each side's coverage."""

    shared: tuple[Shared, ...]
    coverage_a: float
    coverage_b: float


_SENTENCE_END = re.compile(r"[.!?»]\s*$")


def split_unit(unit: str, text: str, rng: random.Random) -> list[Piece]:
    """Cut a long item into paragraphs of 350-900 characters at line ends that close a
    sentence, the way an editor paragraphs a column."""
    lines = text.split("\n")
    pieces: list[Piece] = []
    current: list[str] = []
    size = 0
    target = rng.randint(450, 900)
    for number, line in enumerate(lines):
        current.append(line)
        size += len(line) + 1
        remaining = sum(len(rest) + 1 for rest in lines[number + 1 :])
        if size >= target and remaining >= 250 and _SENTENCE_END.search(line):
            pieces.append(Piece(unit, "\n".join(current)))
            current, size, target = [], 0, rng.randint(450, 900)
    if current:
        pieces.append(Piece(unit, "\n".join(current)))
    return pieces


def fresh_pieces(pool: UnitPool, rng: random.Random, chars: int) -> list[Piece]:
    """At least ``chars`` characters of text from units nobody else holds."""
    pieces: list[Piece] = []
    total = 0
    while total < chars:
        unit = pool.take()
        pieces.extend(split_unit(unit.key, unit.text, rng))
        total += len(unit.text)
    return pieces


def _body_length(pieces: Sequence[Piece]) -> int:
    return sum(len(folded(p.text)[0]) for p in pieces)


def overlap(a: Draft, b: Draft) -> Overlap | None:
    """What ``a`` and ``b`` share, or None when they share nothing."""
    where: dict[str, list[int]] = defaultdict(list)
    for number, piece in enumerate(b.pieces):
        where[piece.unit].append(number)
    shared: list[Shared] = []
    for i, piece in enumerate(a.pieces):
        for j in where.get(piece.unit, ()):
            found = shared_folded(folded(piece.text)[0], folded(b.pieces[j].text)[0])
            if found is not None:
                shared.append(Shared(i, j, found[0], found[1]))
    shared = _one_to_one(shared)
    if not shared:
        return None
    return Overlap(tuple(shared), _coverage(a, shared, True), _coverage(b, shared, False))


def _one_to_one(shared: Sequence[Shared]) -> list[Shared]:
    """Keep the largest matches first and drop any that lands mostly on text already
    matched: an item that uses a phrase twice would otherwise match its own other
    paragraph through that phrase."""
    kept: list[Shared] = []
    taken_a: dict[int, list[Span]] = defaultdict(list)
    taken_b: dict[int, list[Span]] = defaultdict(list)
    for item in sorted(
        shared, key=lambda x: -(x.a_span[1] - x.a_span[0] + x.b_span[1] - x.b_span[0])
    ):
        if _clashes(item.a_span, taken_a[item.a_piece]) or _clashes(
            item.b_span, taken_b[item.b_piece]
        ):
            continue
        kept.append(item)
        taken_a[item.a_piece].append(item.a_span)
        taken_b[item.b_piece].append(item.b_span)
    return sorted(kept, key=lambda x: (x.a_piece, x.b_piece))


def _clashes(span: Span, taken: Sequence[Span]) -> bool:
    overlap = sum(max(0, min(span[1], e) - max(span[0], s)) for s, e in taken)
    return overlap > 0.2 * (span[1] - span[0])


def _coverage(draft: Draft, shared: Sequence[Shared], side_a: bool) -> float:
    by_piece: dict[int, list[Span]] = defaultdict(list)
    for item in shared:
        if side_a:
            by_piece[item.a_piece].append(item.a_span)
        else:
            by_piece[item.b_piece].append(item.b_span)
    covered = sum(e - s for spans in by_piece.values() for s, e in union(spans))
    return covered / max(1, _body_length(draft.pieces))


def swap(found: Overlap) -> Overlap:
    """The same overlap seen from the other side."""
    return Overlap(
        tuple(Shared(x.b_piece, x.a_piece, x.b_span, x.a_span) for x in found.shared),
        found.coverage_b,
        found.coverage_a,
    )


def exact_copy(original: Draft) -> tuple[Piece, ...]:
    """The same body, word for word (the page around it may differ)."""
    return original.pieces


def _by_unit(pieces: Sequence[Piece]) -> list[list[Piece]]:
    groups: list[list[Piece]] = []
    for piece in pieces:
        if groups and groups[-1][0].unit == piece.unit:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return groups


def _edit(pieces: Sequence[Piece], rates: EditRates, rng: random.Random) -> list[Piece]:
    out = []
    for piece in pieces:
        text = edit_text(piece.text, rates, rng)
        if rng.random() < 0.5:
            text = retypeset(text, rng)
        out.append(Piece(piece.unit, text))
    return out


def edited_copy(original: Draft, units: dict[str, Unit], rng: random.Random) -> tuple[Piece, ...]:
    """Another paper's republication: some items as that paper printed them (passim
    partners, with their own OCR errors and desk edits), the others edited here, and
    sometimes one item left out."""
    partner_share = rng.choice((0.0, 0.35, 0.7, 1.0))
    rates = rng.choice((LIGHT, MEDIUM, HEAVY))
    groups = _by_unit(original.pieces)
    if len(groups) >= 3 and rng.random() < 0.3:
        del groups[rng.randrange(len(groups))]
    out: list[Piece] = []
    for group in groups:
        unit = units[group[0].unit]
        if unit.partners and rng.random() < partner_share:
            out.extend(split_unit(unit.key, rng.choice(unit.partners[:2]), rng))
        else:
            out.extend(_edit(group, rates, rng))
    if rng.random() < 0.3:
        out = [Piece(p.unit, change_quotes(p.text, rng)) for p in out]
    return tuple(out)


def truncated_copy(original: Draft, rng: random.Random) -> tuple[Piece, ...]:
    """The first 40-70% of the body, cut at a sentence end, sometimes lightly edited."""
    target = rng.uniform(0.4, 0.7) * _body_length(original.pieces)
    out: list[Piece] = []
    kept = 0
    for piece in original.pieces:
        size = len(folded(piece.text)[0])
        if kept + size <= target:
            out.append(piece)
            kept += size
            continue
        cut = _cut_at_sentence(piece.text, target - kept)
        if cut:
            out.append(Piece(piece.unit, cut))
        break
    if not out:
        out = [original.pieces[0]]
    if rng.random() < 0.3:
        out = _edit(out, LIGHT, rng)
    return tuple(out)


def _cut_at_sentence(text: str, folded_chars: float) -> str | None:
    """The longest prefix of ``text`` ending a sentence with at most ``folded_chars``
    letters and digits, if it has at least 80 of them."""
    offsets = folded(text)[1]
    if folded_chars < 80 or len(offsets) <= folded_chars:
        return None
    limit = offsets[int(folded_chars) - 1]
    best = None
    for match in re.finditer(r"[.!?»](?=\s|$)", text):
        if match.end() > limit + 1:
            break
        best = match.end()
    if best is None or len(folded(text[:best])[0]) < 80:
        return None
    return text[:best]


def with_local_paragraphs(original: Draft, pool: UnitPool, rng: random.Random) -> tuple[Piece, ...]:
    """The body plus the republisher's own paragraphs (30-100% more text) before it,
    after it, or in between."""
    body = list(original.pieces)
    if rng.random() < 0.3:
        body = _edit(body, LIGHT, rng)
    extra = fresh_pieces(pool, rng, int(rng.uniform(0.3, 1.0) * _body_length(body) * 1.15))
    place = rng.choice(("before", "after", "between"))
    if place == "before":
        return tuple(extra + body)
    if place == "after" or len(body) < 2:
        return tuple(body + extra)
    cut = rng.randrange(1, len(body))
    return tuple(body[:cut] + extra + body[cut:])


def quoted_piece(source: Draft, units: dict[str, Unit], rng: random.Random) -> Piece | None:
    """One paragraph of ``source`` as another article quotes it: verbatim, edited, or
    as another paper printed it; None when ``source`` has no paragraph of fitting size."""
    body = _body_length(source.pieces)
    fitting = [p for p in source.pieces if 150 <= len(folded(p.text)[0]) <= min(900, 0.3 * body)]
    if not fitting:
        return None
    piece = rng.choice(fitting)
    roll = rng.random()
    if roll < 0.5:
        return piece
    if roll < 0.75 or not units[piece.unit].partners:
        return _edit([piece], MEDIUM, rng)[0]
    # The other paper's paragraph that best matches the quoted one.
    stream = folded(piece.text)[0]
    best: tuple[int, Piece] | None = None
    for text in units[piece.unit].partners:
        for candidate in split_unit(piece.unit, text, rng):
            found = shared_folded(stream, folded(candidate.text)[0])
            size = 0 if found is None else found[1][1] - found[1][0]
            if size >= 100 and (best is None or size > best[0]):
                best = (size, candidate)
    return None if best is None else best[1]


def later(when: datetime, rng: random.Random) -> datetime:
    """A republication's date: one hour to three days after its source."""
    return when + timedelta(minutes=rng.randint(60, 3 * 24 * 60))


def with_pieces(draft: Draft, pieces: Sequence[Piece]) -> Draft:
    """``draft`` with another body."""
    return replace(draft, pieces=tuple(pieces))


DERIVATIONS: tuple[str, ...] = ("exact_copy", "edited_copy", "truncation", "local_additions")
