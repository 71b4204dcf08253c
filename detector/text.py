"""Normalisation: fold a text to the stream its fingerprints are made of, with a map back.

The folded stream keeps only letters and digits, after NFKC, case folding and accent
stripping. Punctuation, quotes, dashes, spaces and line breaks all disappear, so
quote and dash styles are unified, line-break hyphenation ("fa-\\nmilles") is repaired,
and spelling variants such as "Deir ez-Zor" / "Deir Ezzor" fold to the same letters.
Every folded character remembers the offset of the original character it came from,
so anything found on the folded stream maps back to spans of the submitted text.

The work is vectorised: one table lookup per code point over a numpy array (conjoining
Hangul jamo are then composed into syllables, as NFC would compose them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from detector.kernels import loops_for

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

_MAX_EXPANSION = 3
"""A character folds to at most this many characters (NFKC of "ﬃ" is "ffi"), so a folded
stream is at most this many times its text; longer expansions (rare compatibility
characters such as U+FDFA) are cut, on both sides alike."""
_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane is tabulated; other planes are cached


def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    kept = "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept)[:_MAX_EXPANSION]


# Table entries: 0 drops the character, a value below _EXPANDED is the single folded
# code point, and _EXPANDED + i points at expansion i (a character folding to several).
_EXPANDED = np.uint32(0x80000000)


class _FoldTable:
    """Fold table for the Basic Multilingual Plane, built on first use (about 0.3 s);
    astral code points are folded one by one and cached."""

    def __init__(self) -> None:
        self._table: U32 | None = None
        self.expansions: list[str] = []
        self._expansion_array: I64 | None = None
        self._astral: dict[int, str] = {}

    def table(self) -> U32:
        if self._table is None:
            table = np.zeros(_TABLE_SIZE, dtype=np.uint32)
            for cp in range(_TABLE_SIZE):
                if 0xD800 <= cp <= 0xDFFF:  # lone surrogates cannot be folded
                    continue
                folded = _fold_char(chr(cp))
                if len(folded) == 1:
                    table[cp] = ord(folded)
                elif folded:
                    table[cp] = _EXPANDED + np.uint32(len(self.expansions))
                    self.expansions.append(folded)
            self._table = table
        return self._table

    def expansion_array(self) -> I64:
        """Expansions as rows of code points, their length in the last column."""
        if self._expansion_array is None:
            self.table()
            rows = np.zeros((len(self.expansions), _MAX_EXPANSION + 1), dtype=np.int64)
            for row, folded in enumerate(self.expansions):
                rows[row, : len(folded)] = [ord(c) for c in folded]
                rows[row, _MAX_EXPANSION] = len(folded)
            self._expansion_array = rows
        return self._expansion_array

    def astral(self, cp: int) -> str:
        folded = self._astral.get(cp)
        if folded is None:
            folded = self._astral[cp] = _fold_char(chr(cp))
        return folded


_FOLD = _FoldTable()


@dataclass(frozen=True, eq=False)
class Folded:
    """The folded letters-and-digits stream of a text and its map to the original.

    >>> f = fold("Deir ez-Zor, l'Été")
    >>> f.text
    'deirezzorlete'
    >>> f.original_span(0, 9)
    (0, 11)
    """

    chars: U32
    """Folded code points."""
    pos: I64
    """Offset in the original text of the character each folded character came from."""

    def __len__(self) -> int:
        return int(self.chars.shape[0])

    @cached_property
    def text(self) -> str:
        return self.chars.astype("<u4").tobytes().decode("utf-32-le")

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` offsets covering folded characters ``[start, end)``."""
        if end <= start:
            at = int(self.pos[start]) if start < len(self) else self._end_offset()
            return at, at
        return int(self.pos[start]), int(self.pos[end - 1]) + 1

    def folded_index(self, original_offset: int) -> int:
        """Index of the first folded character at or after an original offset."""
        return int(np.searchsorted(self.pos, original_offset, side="left"))

    def _end_offset(self) -> int:
        return int(self.pos[-1]) + 1 if len(self) else 0


def code_points(text: str) -> U32:
    """The code points of ``text`` as a uint32 array (a lone surrogate becomes "?")."""
    data = text.encode("utf-32-le", errors="replace")
    return np.frombuffer(data, dtype="<u4").astype(np.uint32, copy=False)


def fold(text: str) -> Folded:
    """Fold ``text`` to its letters-and-digits stream (see the module docstring)."""
    return _compose_hangul(_fold_code_points(code_points(text)))


def fold_batch(texts: Sequence[str]) -> list[Folded]:
    """:func:`fold` of each text; a large batch in one compiled pass over all of them
    (:mod:`detector.kernels`), the rare text it cannot fold alone folded again by
    :func:`fold`.

    >>> [f.text for f in fold_batch(["Été", "l'ﬁn"])]
    ['ete', 'lfin']
    """
    lengths = [len(text) for text in texts]
    loops = loops_for(sum(lengths))
    if loops is None:
        return [fold(text) for text in texts]
    table = _FOLD.table()
    cps = code_points("".join(texts))
    bounds = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))
    chars, pos, starts, status = loops.fold(cps, bounds, table, int(_EXPANDED), _L[0])
    folded = []
    for text, first, last, how in zip(
        texts, starts[:-1].tolist(), starts[1:].tolist(), status.tolist(), strict=True
    ):
        if how == 0:
            folded.append(fold(text))
            continue
        part = Folded(chars[first:last], pos[first:last])
        folded.append(part if how == 1 else _compose_hangul(part))
    return folded


def _fold_code_points(cps: U32) -> Folded:
    """Each code point through the fold table."""
    table = _FOLD.table()
    if cps.shape[0] and int(cps.max()) >= _TABLE_SIZE:
        return _fold_slowly(cps, table)
    mapped = np.take(table, cps)
    kept = mapped != 0
    chars = mapped[kept]
    keep = np.flatnonzero(kept)  # a mask's positions come faster than the values'
    if chars.shape[0] and int(chars.max()) >= _EXPANDED:
        return _expand(chars, keep.astype(np.int64, copy=False))
    return Folded(chars, keep.astype(np.int64, copy=False))


# Conjoining jamo that compose into precomposed Hangul syllables (Unicode 3.12).
_L, _V, _T, _SYLLABLE = (0x1100, 0x1112), (0x1161, 0x1175), (0x11A8, 0x11C2), 0xAC00


def _within(chars: U32, bounds: tuple[int, int]) -> npt.NDArray[np.bool_]:
    return (chars >= bounds[0]) & (chars <= bounds[1])


def _compose_hangul(folded: Folded) -> Folded:
    """Compose conjoining jamo (decomposed Korean, as NFD writes it) into syllables, as
    NFC does, where they stand next to each other in the text: folding works one code
    point at a time, so they would otherwise fold apart from precomposed text. A
    syllable maps back to its first jamo."""
    chars, pos = folded.chars, folded.pos
    n = chars.shape[0]
    # The maximum is the quick answer for most texts (Latin letters fold below the jamo).
    if n < 2 or int(chars.max()) < _L[0] or not _within(chars, _L).any():
        return folded
    follows = np.zeros(n, dtype=bool)  # chars[i] follows chars[i - 1] in the text
    follows[1:] = pos[1:] == pos[:-1] + 1
    lv = np.zeros(n, dtype=bool)
    lv[:-1] = _within(chars[:-1], _L) & _within(chars[1:], _V) & follows[1:]
    if not lv.any():
        return folded
    lvt = np.zeros(n, dtype=bool)
    lvt[:-2] = lv[:-2] & _within(chars[2:], _T) & follows[2:]
    at = np.flatnonzero(lv)
    tails = np.where(lvt[at], chars[np.minimum(at + 2, n - 1)].astype(np.int64) - 0x11A7, 0)
    syllables = (
        _SYLLABLE
        + ((chars[at].astype(np.int64) - _L[0]) * 21 + chars[at + 1].astype(np.int64) - _V[0]) * 28
        + tails
    )
    out = chars.copy()
    out[at] = syllables.astype(np.uint32)
    drop = np.zeros(n, dtype=bool)
    drop[at + 1] = True
    drop[at[lvt[at]] + 2] = True
    return Folded(out[~drop], pos[~drop])


def _expand(values: U32, pos: I64) -> Folded:
    """Replace expansion markers (a character folding to several, such as œ) in place."""
    expansions = _FOLD.expansion_array()
    marked = values >= _EXPANDED
    which = (values[marked] - _EXPANDED).astype(np.int64)
    lengths = np.ones(values.shape[0], dtype=np.int64)
    lengths[marked] = expansions[which, _MAX_EXPANSION]
    starts = np.cumsum(lengths) - lengths
    chars = np.repeat(values, lengths)
    at = starts[marked]
    for j in range(_MAX_EXPANSION):
        inside = expansions[which, _MAX_EXPANSION] > j
        chars[at[inside] + j] = expansions[which[inside], j]
    return Folded(chars, np.repeat(pos, lengths))


def _fold_slowly(cps: U32, table: U32) -> Folded:
    """The general case: characters that fold to several, and astral code points."""
    chars: list[int] = []
    pos: list[int] = []
    for index, cp in enumerate(cps.tolist()):
        if cp < _TABLE_SIZE:
            value = int(table[cp])
            if value == 0:
                continue
            if value < _EXPANDED:
                chars.append(value)
                pos.append(index)
                continue
            folded = _FOLD.expansions[value - int(_EXPANDED)]
        else:
            folded = _FOLD.astral(cp)
        chars.extend(ord(c) for c in folded)
        pos.extend([index] * len(folded))
    return Folded(np.array(chars, dtype=np.uint32), np.array(pos, dtype=np.int64))


_OPENING = frozenset("\"'«“‘„‹([¡¿")
_CLOSING = frozenset(".,;:!?…\"'»”’›)]")


def widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a span to whole words and over the quotes and punctuation that hug it.

    Alignment works on letters, so a span may start or end inside a word, and folding
    drops punctuation; a quoted span reads better whole.

    >>> text = 'Il a dit: «Nous partons.» Puis'
    >>> widen(text, 11, 23), widen(text, 12, 20)
    ((10, 25), (10, 25))
    """
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    while start > 0 and text[start - 1] in _OPENING:
        start -= 1
    while end < len(text) and text[end] in _CLOSING:
        end += 1
    return start, end
