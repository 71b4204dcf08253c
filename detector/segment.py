"""Paragraphs, boilerplate flags and the units that get fingerprinted.

Three layouts are recognised: paragraphs separated by blank lines, one paragraph per
line, and hard-wrapped text (OCR columns, e-mail) whose lines are joined back. Each
paragraph is flagged as body or boilerplate (site furniture, credits, navigation,
headings, digit strings). Body paragraphs are cut into units, about one sentence each:
sentences shorter than ``unit_min_chars`` are joined to a neighbour, and stretches with
no sentence break longer than ``unit_max_chars`` are cut at content-defined points, so
that two copies of the same text are cut in the same places even when shifted.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from detector.boilerplate import (
    breaks_off,
    classify,
    is_inline_furniture,
    may_hold_inline_furniture,
    may_hold_notice,
)
from detector.config import DetectorConfig
from detector.text import Folded

I64 = npt.NDArray[np.int64]

_TERMINAL = ".!?…;"
_CLOSERS = "\"'»”’)]*"
_SENTENCE_MARKS = ".!?…"
_SENTENCE_END = re.compile(rf"[{_SENTENCE_MARKS}]++[\"'»”’)\]]*+(\s*+)")
"""Marks, closers, then the white space that makes them a sentence end (none: not
one). Possessive, so that a long run of marks is read once, not once from each mark."""
_ABBREVIATIONS = frozenset(
    {
        *("m", "mm", "mme", "mmes", "mlle", "mlles", "dr", "pr", "me", "mgr", "st", "ste"),
        *("mr", "mrs", "ms", "prof", "gen", "gal", "col", "cf", "etc", "vs", "no", "nr"),
    }
)
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))
_LAST_WORD = re.compile(r"(\w+)\W*$")
_CDC_MASK = 127
"""A long stretch is cut where a shingle hash has these low bits clear (every ~128 chars)."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph's ``[start, end)`` in the original text and why it is not body."""

    start: int
    end: int
    boilerplate: str | None = None
    """None for body text, else the reason: short, digits, credit, link, heading."""


REASONS: tuple[str | None, ...] = (
    *(None, "short", "digits", "navigation", "link", "credit", "notice", "heading"),
)
"""Every ``Paragraph.boilerplate`` value; its index is the paragraph's code in rows."""


def paragraph_rows(paras: Sequence[Paragraph]) -> I64:
    """Paragraphs as ``(n, 3)`` rows ``start, end, reason code`` (to store them).

    >>> paragraphs_of(paragraph_rows([Paragraph(0, 4, "short")]))
    (Paragraph(start=0, end=4, boilerplate='short'),)
    """
    rows = [(p.start, p.end, REASONS.index(p.boilerplate)) for p in paras]
    return np.array(rows, dtype=np.int64).reshape(len(rows), 3)


def paragraphs_of(rows: npt.NDArray[np.integer[Any]]) -> tuple[Paragraph, ...]:
    """The paragraphs that :func:`paragraph_rows` stored."""
    return tuple(Paragraph(start, end, REASONS[code]) for start, end, code in rows.tolist())


def paragraphs(text: str, *, notices: bool | None = None) -> list[Paragraph]:
    """Split ``text`` into paragraphs and flag the boilerplate ones.

    ``notices=False`` says that the text holds no notice wording (as
    :func:`detector.boilerplate.may_hold_notice` would say, from a cheaper test).

    >>> [p.boilerplate for p in paragraphs("Rechercher\\n\\nLe texte de l'article, long.")]
    ['short', None]
    """
    found: list[Paragraph] = []
    notices = may_hold_notice(text) if notices is None else notices
    blocks = _blocks(text)
    for n, block in enumerate(blocks, 1):
        for start, end in _block_paragraphs(text, block, notices, above=n < len(blocks)):
            found.append(Paragraph(start, end, classify(text[start:end], notices=notices)))
    if found and all(p.boilerplate is not None for p in found):
        # A text made only of heading-like lines still has a body: its headings.
        found = [
            Paragraph(p.start, p.end, None) if p.boilerplate == "heading" else p for p in found
        ]
    return found


_LINE_ENDS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""The characters ``str.splitlines`` breaks lines at (``\\r\\n`` is one break)."""


def _blocks(text: str) -> list[list[tuple[int, int]]]:
    """Runs of non-blank lines (stripped), separated by blank lines."""
    blocks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    start = 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip(_LINE_ENDS)
        stripped = content.lstrip()
        if stripped:
            first = start + len(content) - len(stripped)
            current.append((first, first + len(stripped.rstrip())))
        elif current:
            blocks.append(current)
            current = []
        start += len(line)
    if current:
        blocks.append(current)
    return blocks


def _ends_sentence(line: str) -> bool:
    return line.rstrip(_CLOSERS).endswith(tuple(_TERMINAL))


def _hyphenated(line: str, following: str) -> bool:
    return len(line) > 1 and line[-1] in "-‐¬" and line[-2].isalpha() and following[:1].islower()


def _is_hard_wrapped(lines: list[str], *, above: bool = False) -> bool:
    """Lines cut at a fixed width (OCR columns, e-mail): open-ended, and short or, when
    long, mostly followed by a line that goes on in lower case.

    ``above`` says that more text follows the block: a stack of short lines that each
    start with a capital is then the page's header (edition, section, headline,
    byline), not wrapped text. Alone, or last, such a stack is joined: an advertisement
    or a notice in an OCR column reads like one, and is reused as a whole.
    Page furniture stacked above or below wrapped text is peeled off afterwards.
    """
    if len(lines) < 3:
        return False
    # How the line after each open-ended line starts.
    goes_on = [following[:1] for line, following in pairwise(lines) if not _ends_sentence(line)]
    if len(goes_on) < 0.5 * (len(lines) - 1):
        return False
    if statistics.median(len(line) for line in lines) <= 100:
        # A break inside a sentence now and then lands before a word in lower case
        # (or a figure).
        return not above or sum(not start.isupper() for start in goes_on) >= 0.1 * len(goes_on)
    # Long lines are wrapped too (wide OCR columns) when they break mid-sentence: the
    # line after an open end mostly starts in lower case.
    return sum(start.islower() for start in goes_on) >= 0.5 * len(goes_on)


def _block_paragraphs(
    text: str, block: list[tuple[int, int]], notices: bool = True, *, above: bool = False
) -> list[tuple[int, int]]:
    """A block's paragraphs; ``notices=False`` when the text holds no notice wording
    (:func:`detector.boilerplate.may_hold_notice`), ``above`` when more text follows."""
    lines = [text[s:e] for s, e in block]
    if not _is_hard_wrapped(lines, above=above):
        return _line_paragraphs(block, lines)
    # A site's header and footer lines often sit in the same block as a wrapped body:
    # peel them off the edges, and split out furniture found in between.
    first, last = 0, len(lines)
    while first < last - 1 and _furniture_line(lines[first], lines[first + 1], notices):
        first += 1
    last = _footer_start(lines, first, notices)
    spans = [block[i] for i in range(first)]
    width = max(len(line) for line in lines[first:last])
    if may_hold_inline_furniture(text, block[first][0], block[last - 1][1], notices=notices):
        inline = [is_inline_furniture(line, notices=notices) for line in lines]
    else:
        inline = [not any(c.isalpha() for c in line) for line in lines]
    start = block[first][0]
    for i in range(first, last - 1):
        line, following = lines[i], lines[i + 1]
        furniture = inline[i] or inline[i + 1]
        if not furniture and (_hyphenated(line, following) or _continues(line, following, width)):
            continue
        spans.append((start, block[i][1]))
        start = block[i + 1][0]
    spans.append((start, block[last - 1][1]))
    spans.extend(block[last:])
    return spans


def _footer_start(lines: list[str], first: int, notices: bool = True) -> int:
    """Where the furniture under a wrapped block starts (``len(lines)`` if none).

    Short lines ("Partager", "Retour en haut") count only below a closed sentence:
    the last line of a wrapped paragraph is often short too.
    """
    last = len(lines)
    while last - 1 > first and classify(lines[last - 1], notices=notices) in _STRONG:
        last -= 1
    run = last
    while run - 1 > first and classify(lines[run - 1], notices=notices) in (*_STRONG, "short"):
        run -= 1
    if run < last and _ends_sentence(lines[run - 1]):
        return run
    return last


def _line_paragraphs(block: list[tuple[int, int]], lines: list[str]) -> list[tuple[int, int]]:
    """Each line a paragraph, except where a word is hyphenated across the break."""
    spans: list[tuple[int, int]] = []
    start = block[0][0]
    for i in range(len(block) - 1):
        if _hyphenated(lines[i], lines[i + 1]):
            continue
        spans.append((start, block[i][1]))
        start = block[i + 1][0]
    spans.append((start, block[-1][1]))
    return spans


def _continues(line: str, following: str, width: int) -> bool:
    """Inside wrapped text, a line ends its paragraph only when short and closed."""
    short_end = len(line) < 0.6 * width and _ends_sentence(line)
    return not (short_end and following[:1].isupper())


_STRONG = frozenset({"digits", "navigation", "credit", "notice", "link"})


def _furniture_line(line: str, following: str, notices: bool = True) -> bool:
    """Whether a line at the top of a wrapped block belongs to the page, not the text.

    Headings are not peeled: in OCR columns every line looks like one.
    """
    reason = classify(line, notices=notices)
    return (
        (reason in _STRONG or reason == "short")
        and not _hyphenated(line, following)
        and not breaks_off(line)
    )


def _sentence_marks(text: str, start: int, end: int) -> list[int]:
    """Where ``_SENTENCE_END`` can match in ``text[start:end]``, in order: its first
    characters, found with ``str.find`` (a regex scans for them three times slower)."""
    found: list[int] = []
    for char in _SENTENCE_MARKS:
        at = text.find(char, start, end)
        while at >= 0:
            found.append(at)
            at = text.find(char, at + 1, end)
    found.sort()
    return found


def _sentence_starts(text: str, start: int, end: int) -> list[int]:
    """Original offsets where sentences begin inside ``text[start:end]``."""
    starts = [start]
    reached = start
    for at in _sentence_marks(text, start, end):
        if at < reached:  # inside the run of marks read last
            continue
        m = _SENTENCE_END.match(text, at, end)
        assert m is not None  # a mark always starts a run
        nxt = reached = m.end()
        if m.start(1) == nxt or nxt >= end or text[nxt].islower():
            continue
        before = m.start() - _LONGEST_ABBREVIATION - 1
        # A word longer than any abbreviation ends a sentence (the usual case: no search).
        if before < start or not text[before : m.start()].isalnum():
            word = _LAST_WORD.search(text, max(start, m.start() - 12), m.start() + 1)
            if word and (
                word.group(1).lower() in _ABBREVIATIONS
                or (len(word.group(1)) == 1 and word.group(1).isupper())
            ):
                continue
        starts.append(nxt)
    return starts


def units(
    text: str,
    folded: Folded,
    hashes: npt.NDArray[np.uint32],
    paras: list[Paragraph],
    config: DetectorConfig,
) -> I64:
    """Units of the body paragraphs as ``(n, 2)`` ``[start, end)`` folded offsets.

    ``hashes`` are the shingle hashes of ``folded`` (window ``i`` starts at ``i``); they
    place the content-defined cuts in long stretches.
    """
    out: list[tuple[int, int]] = []
    # Every body paragraph's sentence starts and end, in folded offsets (one search).
    offsets: list[int] = []
    bounds = [0]
    for para in paras:
        if para.boilerplate is None:
            offsets += _sentence_starts(text, para.start, para.end)
            offsets.append(para.end)
        bounds.append(len(offsets))
    all_cuts = np.searchsorted(folded.pos, offsets).tolist()
    # Body paragraphs shorter than a unit (one line each of an advertisement, a list)
    # wait to be packed with the body paragraphs that follow them.
    # Short ones with no body paragraph after them (before furniture or at the end) join
    # the unit just before them, when no furniture parts them: a unit of one stray OCR
    # letter could never be aligned, yet would count as body.
    waiting: list[tuple[int, int]] = []
    joinable = False
    for n, para in enumerate(paras):
        if para.boilerplate is not None:
            _flush(out, waiting, joinable, hashes, config)
            waiting, joinable = [], False
            continue
        cuts = all_cuts[bounds[n] : bounds[n + 1]]
        pieces = waiting + [(a, b) for a, b in pairwise(cuts) if b > a]
        if pieces and pieces[-1][1] - pieces[0][0] < config.unit_min_chars:
            waiting = pieces
            continue
        waiting, joinable = [], True
        out.extend(_pack(pieces, hashes, config))
    _flush(out, waiting, joinable, hashes, config)
    # A piece too short to hold one shingle (a stray OCR letter between furniture) has
    # no fingerprint and could never be aligned: it is not body.
    out = [(a, b) for a, b in out if b - a >= config.shingle_size]
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    return np.array(out, dtype=np.int64)


def _flush(
    out: list[tuple[int, int]],
    waiting: list[tuple[int, int]],
    joinable: bool,
    hashes: npt.NDArray[np.uint32],
    config: DetectorConfig,
) -> None:
    """Add short pieces no body paragraph follows: to the unit before them when
    ``joinable``, else as units of their own."""
    if not waiting:
        return
    if joinable and out:
        prev_start, _ = out.pop()
        out.extend(_cut_long(prev_start, waiting[-1][1], hashes, config))
        return
    out.extend(_pack(waiting, hashes, config))


def _pack(
    pieces: list[tuple[int, int]], hashes: npt.NDArray[np.uint32], config: DetectorConfig
) -> list[tuple[int, int]]:
    """Join short sentences to a neighbour and cut long ones, inside one paragraph (or
    a run of short ones)."""
    packed: list[tuple[int, int]] = []
    if not pieces:
        return packed
    start: int | None = None
    for a, b in pieces:
        if start is None:
            start = a
        if b - start >= config.unit_min_chars:
            packed.extend(_cut_long(start, b, hashes, config))
            start = None
    if start is not None:
        end = pieces[-1][1]
        if packed and end - start < config.unit_min_chars:
            prev_start, _ = packed.pop()
            packed.extend(_cut_long(prev_start, end, hashes, config))
        else:
            packed.append((start, end))
    return packed


def _cut_long(
    start: int, end: int, hashes: npt.NDArray[np.uint32], config: DetectorConfig
) -> list[tuple[int, int]]:
    if end - start <= config.unit_max_chars:
        return [(start, end)]
    low = config.unit_min_chars
    lo, hi = start + low, min(end - low, int(hashes.shape[0]))
    marks = (
        (np.flatnonzero((hashes[lo:hi] & np.uint32(_CDC_MASK)) == 0) + lo).tolist()
        if hi > lo
        else []
    )
    cuts = [start]
    for mark in marks:
        if mark - cuts[-1] < low:
            continue
        while mark - cuts[-1] > config.unit_max_chars:
            cuts.append(cuts[-1] + config.unit_max_chars // 2)
        cuts.append(int(mark))
    while end - cuts[-1] > config.unit_max_chars:
        cuts.append(cuts[-1] + config.unit_max_chars // 2)
    if end - cuts[-1] < low and len(cuts) > 1:
        cuts.pop()
    cuts.append(end)
    return list(pairwise(cuts))
