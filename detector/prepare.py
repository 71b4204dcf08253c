"""Everything the engine derives from one article, computed for many articles at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt

from detector.arrays import distinct, ranges
from detector.boilerplate import NOTICE_FRAGMENTS
from detector.config import DetectorConfig
from detector.fingerprint import U64, band_keys, shingle_hashes, sign_ranges
from detector.model import Article
from detector.segment import Paragraph, paragraphs, units
from detector.text import I64, U32, Folded, fold, fold_batch

Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Prepared:
    """An article with its folded stream, paragraphs, units, signatures and band keys.

    Units are ``[start, end)`` ranges of the folded stream; ``hashes[i]`` is the hash
    of the shingle starting at folded offset ``i``.
    """

    article: Article
    folded: Folded
    hashes: U32
    paragraphs: tuple[Paragraph, ...]
    units: I64
    indexable: Bools
    """Units long enough to be looked up and indexed by their band keys."""
    config: DetectorConfig
    signed: tuple[U32, U64] | None = None
    """The units' signatures and band keys when the batch computed them; else they
    are computed on first use (see ``prepare_batch``'s ``signed``)."""

    @cached_property
    def _signed(self) -> tuple[U32, U64]:
        return self.signed or _signatures_and_keys(self.hashes, self.units, self.config)

    @property
    def signatures(self) -> U32:
        """The units' MinHash signatures, one row per unit."""
        return self._signed[0]

    @property
    def keys(self) -> U64:
        """The units' LSH band keys, one row per unit."""
        return self._signed[1]

    @cached_property
    def body_mask(self) -> Bools:
        """``body_mask[i]`` says whether folded offset ``i`` is in a unit (body text)."""
        mask = np.zeros(len(self.folded), dtype=bool)
        for start, end in self.units.tolist():
            mask[start:end] = True
        return mask

    @cached_property
    def body_prefix(self) -> I64:
        """``body_prefix[i]`` is the number of body characters before folded offset ``i``."""
        return np.concatenate(([0], np.cumsum(self.body_mask, dtype=np.int64)))

    @property
    def body_chars(self) -> int:
        return int(self.body_prefix[-1])

    @cached_property
    def shingles_by_hash(self) -> tuple[U32, npt.NDArray[np.int32]]:
        """The distinct ``(hash, unit)`` pairs of the units, sorted by hash, then unit."""
        k = int(self.folded.chars.shape[0]) - int(self.hashes.shape[0]) + 1
        starts, ends = self.units[:, 0], np.maximum(self.units[:, 1] - k + 1, self.units[:, 0])
        idx, owner = ranges(starts, ends)
        codes = distinct(
            (self.hashes[idx].astype(np.uint64) << np.uint64(32)) | owner.astype(np.uint64)
        )
        hashes = (codes >> np.uint64(32)).astype(np.uint32)
        unit = (codes & np.uint64(0xFFFFFFFF)).astype(np.int32)
        return hashes, unit

    @cached_property
    def unit_sizes(self) -> I64:
        """Each unit's number of distinct shingles."""
        unit = self.shingles_by_hash[1]
        return np.bincount(unit, minlength=self.units.shape[0]).astype(np.int64)

    def lookup_keys(self) -> U64:
        """The distinct band keys of the indexable units: what a store must look up."""
        return distinct(self.keys[self.indexable].ravel())


def _signatures_and_keys(hashes: U32, units: I64, config: DetectorConfig) -> tuple[U32, U64]:
    """The signatures and band keys of ``units``, ranges of the shingles ``hashes``."""
    # A unit's shingles start inside it (sign_ranges reads a unit shorter than a
    # shingle as empty).
    ends = units[:, 1] - config.shingle_size + 1
    signatures = sign_ranges(hashes, units[:, 0], ends, config.num_perm, config.seed)
    return signatures, band_keys(signatures, *config.bands_rows())


def may_hold_notices(
    articles: Sequence[Article], hashes: U32, offsets: I64, k: int
) -> npt.NDArray[np.bool_]:
    """For each article, False where :func:`detector.boilerplate.may_hold_notice` would
    say False too, found from the shingle hashes of the articles' folded streams
    (``offsets`` delimit each article's in ``hashes``, windows across two articles
    included) at a fraction of its cost.

    The notice fragments it looks for are ASCII, and folding maps a run of ASCII
    characters to the run of their folded letters: a text that holds a fragment holds
    every shingle of the fragment's folded letters. So an article lacking one shingle
    of each fragment holds none. Its shingles are looked up in a table of the
    fragments' shingles by their low 16 bits, and the few that land on one are checked.
    Texts with one of the two characters that lower-case to ASCII are left to the full
    test, which lower-cases them whole.
    """
    maybe = np.ones(len(articles), dtype=bool)
    known = _notice_shingles(k)
    if known is None:  # a fragment shorter than a shingle: no shortcut
        return maybe
    table, every, fragments = known
    found = np.flatnonzero(table[hashes & np.uint32(0xFFFF)])
    values = hashes[found]
    kept = np.isin(values, every)
    found, values = found[kept], values[kept]
    owner = np.searchsorted(offsets, found, side="right") - 1
    inside = found < offsets[owner + 1] - k + 1  # windows across two articles are neither's
    held: dict[int, set[int]] = {}
    for article, value in zip(owner[inside].tolist(), values[inside].tolist(), strict=True):
        held.setdefault(article, set()).add(value)
    for n, article in enumerate(articles):
        if "\u212a" in article.text or "\u0130" in article.text:
            continue
        shingles = held.get(n)
        maybe[n] = shingles is not None and any(f <= shingles for f in fragments)
    return maybe


@lru_cache(maxsize=8)
def _notice_shingles(k: int) -> tuple[Bools, U32, tuple[frozenset[int], ...]] | None:
    """A table marking the low 16 bits of the notice fragments' shingles, those
    shingles, and each fragment's; None when a fragment folds to fewer than ``k``
    letters."""
    each = []
    for fragment in NOTICE_FRAGMENTS:
        folded = fold(fragment.decode("ascii"))
        if len(folded) < k:
            return None
        each.append(frozenset(shingle_hashes(folded.chars, k).tolist()))
    every = np.array(sorted(frozenset().union(*each)), dtype=np.uint32)
    table = np.zeros(1 << 16, dtype=bool)
    table[every & np.uint32(0xFFFF)] = True
    return table, every, tuple(each)


def prepare(article: Article, config: DetectorConfig) -> Prepared:
    """Prepare one article (see :func:`prepare_batch`)."""
    return prepare_batch([article], config)[0]


Segments = tuple[tuple[Paragraph, ...], I64]
"""An article's paragraphs and units, as :class:`Prepared` holds them."""


def prepare_batch(
    articles: Sequence[Article],
    config: DetectorConfig,
    segments: Sequence[Segments | None] | None = None,
    *,
    signed: bool = True,
) -> list[Prepared]:
    """Fold, segment, shingle, sign and band many articles in one vectorised pass.

    ``segments``, when given, are the articles' paragraphs and units from an earlier
    preparation with the same config (None for an article to segment now): segmenting
    is the part done in Python, so the batch job and the stores keep them instead of
    segmenting an article twice. Units that end past the folded text are not the
    article's: it is segmented again.

    ``signed=False`` leaves out the signatures and band keys, for articles that are
    only verified (candidates): an article's are then computed if it is asked for them.

    >>> p = prepare(Article("a", "Une phrase assez longue pour former une unité entière."),
    ...             DetectorConfig())
    >>> p.units.shape, p.signatures.shape[1]
    ((1, 2), 64)
    """
    k = config.shingle_size
    folded = fold_batch([a.text for a in articles])
    lengths = np.array([len(f) for f in folded], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    stream = np.concatenate([f.chars for f in folded]) if folded else np.zeros(0, np.uint32)
    all_hashes = shingle_hashes(stream, k)
    # Kept segmentations (the batch job's verification) need no notice test.
    notices = (
        may_hold_notices(articles, all_hashes, offsets, k).tolist()
        if segments is None or any(kept is None for kept in segments)
        else None
    )
    per_article: list[tuple[U32, tuple[Paragraph, ...], I64]] = []
    for n, (article, f, start) in enumerate(
        zip(articles, folded, offsets[:-1].tolist(), strict=True)
    ):
        hashes = all_hashes[start : start + max(len(f) - k + 1, 0)]
        kept = None if segments is None else segments[n]
        if kept is not None and (kept[1].shape[0] == 0 or int(kept[1].max()) <= len(f)):
            per_article.append((hashes, *kept))
            continue
        maybe_notices = notices is None or notices[n]
        paras = tuple(paragraphs(article.text, notices=None if maybe_notices else False))
        per_article.append((hashes, paras, units(article.text, f, hashes, list(paras), config)))

    unit_counts = np.array([u.shape[0] for _, _, u in per_article], dtype=np.int64)
    all_units = (
        np.concatenate([u + off for (_, _, u), off in zip(per_article, offsets[:-1], strict=True)])
        if per_article
        else np.zeros((0, 2), dtype=np.int64)
    )
    if signed:
        signatures, keys = _signatures_and_keys(all_hashes, all_units, config)
    indexable = (all_units[:, 1] - all_units[:, 0]) >= config.unit_min_chars

    prepared = []
    bounds = np.concatenate(([0], np.cumsum(unit_counts))).tolist()
    for i, (article, f, (hashes, paras, unit_ranges)) in enumerate(
        zip(articles, folded, per_article, strict=True)
    ):
        lo, hi = bounds[i], bounds[i + 1]
        prepared.append(
            Prepared(
                article=article,
                folded=f,
                hashes=hashes,
                paragraphs=paras,
                units=unit_ranges,
                indexable=indexable[lo:hi],
                config=config,
                signed=(signatures[lo:hi], keys[lo:hi]) if signed else None,
            )
        )
    return prepared
