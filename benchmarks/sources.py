"""Where the corpus gets its paragraphs: real reused text (impresso) or synthetic text.

A *unit* is one news item as printed by one paper, plus the versions other papers
printed (its passim partners). Units handed out by a pool are mutually unrelated, so
any text two generated articles share was put there on purpose.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks import synthetic
from benchmarks.data import MAX_CLUSTER_SIZE, Passage, cluster_sizes, merged_clusters
from benchmarks.overlap import MIN_SHARED, folded, gram_hashes, longest_shared_run, self_repeat_run

ENTANGLED_RUN = 60
"""Folded characters two units may share in one run before they count as related."""


@dataclass(frozen=True, slots=True)
class Unit:
    """One item: ``text`` as one paper printed it, ``partners`` as others reprinted it."""

    key: str
    text: str
    partners: tuple[str, ...] = ()


class PoolExhaustedError(RuntimeError):
    """The text source has no unrelated unit left for the corpus size asked for."""


class UnitPool:
    """Hands out units in a seeded order, each at most once."""

    def __init__(self, units: Sequence[Unit], rng: random.Random, name: str) -> None:
        self._units = list(units)
        rng.shuffle(self._units)
        self._next = 0
        self.name = name
        self.synthetic = False
        self.taken: dict[str, Unit] = {}
        """Every unit handed out so far, by key."""

    def take(self) -> Unit:
        """The next unused unit; raises :class:`PoolExhaustedError` when none is left."""
        if self._next >= len(self._units):
            raise PoolExhaustedError(
                f"the {self.name} text source ran out after {len(self._units)} unrelated "
                "items: ask for fewer articles (--articles)"
            )
        unit = self._units[self._next]
        self._next += 1
        self.taken[unit.key] = unit
        return unit

    @property
    def used(self) -> int:
        return self._next

    @property
    def size(self) -> int:
        return len(self._units)


class SyntheticPool(UnitPool):
    """Endless pseudo-French units (see :mod:`benchmarks.synthetic`)."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__((), rng, "synthetic")
        self._rng = rng
        self.synthetic = True

    def take(self) -> Unit:
        self._next += 1
        # Lengths spread like the real passages: median about 550 characters.
        chars = int(min(2200, max(200, self._rng.lognormvariate(6.3, 0.55))))
        text = synthetic.paragraph(self._rng, chars)
        unit = Unit(f"s{self._next}", text, (synthetic.partner(text, self._rng),))
        self.taken[unit.key] = unit
        return unit

    @property
    def size(self) -> int:
        return self._next


def _letter_share(text: str) -> float:
    stream = folded(text)[0]
    digits = sum(stream.count(digit) for digit in "0123456789")
    return (len(stream) - digits) / max(1, len("".join(text.split())))


def impresso_units(rows: Sequence[Passage], min_chars: int = 200) -> list[Unit]:
    """One unit per merged passim cluster, with the other paper's passages as partners.

    Merged clusters holding a cluster larger than ``MAX_CLUSTER_SIZE`` (death notices,
    market reports) are skipped, and so are passages that are mostly digits and
    punctuation (tables) or that repeat 40 characters of their own text. Units that still
    share text with another unit (reuse passim did not cluster) are dropped, so that
    unrelated really means unrelated.
    """
    labels = merged_clusters(rows)
    sizes = cluster_sizes(rows)
    groups: dict[int, list[Passage]] = defaultdict(list)
    for row, label in zip(rows, labels, strict=True):
        groups[label].append(row)
    units: list[Unit] = []
    for label in sorted(groups):
        members = groups[label]
        if any(sizes[row.cluster] > MAX_CLUSTER_SIZE for row in members):
            continue
        candidates = [
            row
            for row in members
            if len(row.text) >= min_chars
            and _letter_share(row.text) > 0.8
            # Items that repeat their own clauses (tariffs, lists) would be internal
            # repetition the truth does not know about.
            and self_repeat_run(folded(row.text)[0]) < MIN_SHARED
        ]
        if not candidates:
            continue

        def partners_of(main: Passage, pool: list[Passage] = members) -> list[Passage]:
            return [
                row
                for row in pool
                if row.cluster == main.cluster
                and row.series != main.series
                and len(row.text) >= min_chars // 2
                and self_repeat_run(folded(row.text)[0]) < MIN_SHARED
            ]

        main = max(candidates, key=lambda row: (bool(partners_of(row)), len(row.text), -row.row))
        partners = sorted(partners_of(main), key=lambda row: abs(len(row.text) - len(main.text)))
        units.append(
            Unit(f"m{label}", main.text.strip(), tuple(p.text.strip() for p in partners[:3]))
        )
    return drop_entangled(units)


def drop_entangled(units: Sequence[Unit], gram: int = 12, sample: int = 4) -> list[Unit]:
    """Keep units (in order) that share no stretch of text with a unit kept before.

    Candidates come from every ``sample``-th 12-character folded shingle (chosen by
    hash, so the same on every side); a candidate is confirmed when the two share an
    unbroken run of ``ENTANGLED_RUN`` folded characters (about one clause), which is
    what passim-missed reuse looks like. Shorter formulaic phrases ("l'agence de
    publicité Haasenstein et Vogler") stay: real pages share them without reuse, and a
    detector must not call that republication.
    """
    owner: dict[int, int] = {}
    kept: list[Unit] = []
    streams: list[str] = []
    for unit in units:
        stream = "#".join(folded(text)[0] for text in (unit.text, *unit.partners))
        hashes = gram_hashes(stream, gram)
        grams = set(hashes[hashes % np.uint64(sample) == 0].tolist())
        hits: dict[int, int] = defaultdict(int)
        for value in grams:
            other = owner.get(value)
            if other is not None:
                hits[other] += 1
        if any(
            count >= 4 and longest_shared_run(stream, streams[other]) >= ENTANGLED_RUN
            for other, count in hits.items()
        ):
            continue
        for value in grams:
            owner.setdefault(value, len(kept))
        kept.append(unit)
        streams.append(stream)
    return kept
