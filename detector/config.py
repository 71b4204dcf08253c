"""Detector parameters: one frozen dataclass, validated on creation.

The parameters that shape band keys also name the index namespace
(:meth:`DetectorConfig.fingerprint`), so two configurations never share an index.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import xxhash

from detector.errors import InvalidConfig

# Bumped whenever normalisation or segmentation changes what ordinary text hashes to.
# A bump moves every index to a new namespace (an upgraded service finds none of what it
# indexed before), so a change that touches a rare layout only is not bumped: articles
# indexed before it keep their old band keys and match a little less well in that layout
# until indexed again. Not bumped for: long hard-wrapped lines (2026-11-22; they change
# the paragraphs of 31 of 20,610 texts checked: 30 impresso passages and one composed
# article made from one, no generated news article and no seed page); short body
# paragraphs packed together and lines that break off not taken for headings, labels
# or furniture (2026-12-01; they change the units of 7% of impresso passages and of the composed
# articles made from them, no generated news article and no seed page: an OCR archive
# indexed before keeps matching through its other units, a bump would orphan it all);
# conjoining Hangul jamo composed into syllables (2026-12-02; only decomposed Korean
# text changes, none of the 20,611 benchmark and seed texts); short pieces with no body
# paragraph after them joined to the unit before, and pieces shorter than a shingle left
# out (2026-12-02; they change the units of 654 of 16,101 impresso passages and 45 of
# 1,500 composed articles, none of 5,000 generated news articles or the seed pages).
ALGORITHM_VERSION = 1


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Every tunable of the engine. The defaults were chosen with ``python -m
    benchmarks.sweep``; docs/engine.md gives what each choice gains and costs.

    >>> DetectorConfig().bands_rows()[0] * DetectorConfig().bands_rows()[1] <= 64
    True
    """

    shingle_size: int = 5
    """Characters per shingle, counted on the folded letters-and-digits stream."""
    num_perm: int = 64
    seed: int = 1
    lsh_threshold: float = 0.3
    """Jaccard similarity of two units at which LSH should start finding them."""
    bands: int | None = None
    rows: int | None = None
    """Explicit LSH banding; when unset, datasketch's optimiser picks it from the threshold."""
    unit_min_chars: int = 40
    """Sentences shorter than this (letters and digits) are joined to a neighbour."""
    unit_max_chars: int = 320
    """Longer stretches without a sentence break are cut into windows of about this size."""
    verify_containment: float = 0.5
    """Share of the smaller unit's shingles the other unit must contain to be aligned."""
    min_passage_chars: int = 70
    """Aligned letters and digits a passage needs before it counts as reuse."""
    min_repeat_chars: int = 60
    """The same for repetition inside one text (captions and subtitles repeat phrases)."""
    min_unit_coverage: float = 0.5
    """Share of the shorter unit an alignment must cover to count as reuse."""
    min_similarity: float = 0.6
    """Aligned characters over aligned length (both sides) an alignment needs."""
    max_gap_chars: int = 60
    """Unaligned body characters (per side) still bridged inside one passage."""
    duplicate_coverage: float = 0.9
    republication_coverage: float = 0.5
    hot_bucket_cap: int = 500
    """Buckets holding more ids than this are furniture shared too widely to mean reuse."""
    common_df: int = 20
    """Units carried by more indexed articles than this are common (see ``compare``)."""
    common_passage_chars: int = 120
    """Aligned characters a passage of common units needs to count as reuse."""
    common_run_chars: int = 50
    """Characters such a passage must also align in one run, not broken where a formula
    was filled in with other names or dates (see ``detector.align.longest_run``); 0
    turns the rule off."""
    short_run_chars: int = 40
    """The same for any passage shorter than ``common_passage_chars``."""
    max_candidates: int = 100
    """Candidate articles verified per query, those sharing the most units first."""
    min_band_hits: int = 2
    """Buckets another article must share with the query's units, all bands together,
    to be a candidate: a single shared band is mostly chance between unrelated
    sentences, and such chance neighbours grow with the index."""

    def __post_init__(self) -> None:
        _check_range("shingle_size", self.shingle_size, 2, 16)
        _check_range("seed", self.seed, 0, 2**32 - 1)
        _check_range("num_perm", self.num_perm, 8, 1024)
        _check_range("unit_min_chars", self.unit_min_chars, self.shingle_size, 10_000)
        _check_range("unit_max_chars", self.unit_max_chars, 2 * self.unit_min_chars, 100_000)
        _check_range("min_passage_chars", self.min_passage_chars, self.shingle_size, 10_000)
        _check_range("min_repeat_chars", self.min_repeat_chars, self.shingle_size, 10_000)
        _check_range("max_gap_chars", self.max_gap_chars, 0, 100_000)
        _check_range("hot_bucket_cap", self.hot_bucket_cap, 2, 10_000_000)
        _check_range("common_df", self.common_df, 1, 10_000_000)
        _check_range("common_passage_chars", self.common_passage_chars, 0, 10_000_000)
        _check_range("common_run_chars", self.common_run_chars, 0, 10_000_000)
        _check_range("short_run_chars", self.short_run_chars, 0, 10_000_000)
        _check_range("max_candidates", self.max_candidates, 1, 1_000_000)
        _check_range("min_band_hits", self.min_band_hits, 1, 1024)
        for name in (
            "lsh_threshold",
            "verify_containment",
            "min_unit_coverage",
            "min_similarity",
            "duplicate_coverage",
            "republication_coverage",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidConfig(f"{name} must be a number in (0, 1], got {value!r}")
            if not 0.0 < value <= 1.0:
                raise InvalidConfig(f"{name} must lie in (0, 1], got {value!r}")
        if self.republication_coverage > self.duplicate_coverage:
            raise InvalidConfig(
                "republication_coverage must not exceed duplicate_coverage "
                f"({self.republication_coverage} > {self.duplicate_coverage})"
            )
        if self.bands is None and self.lsh_threshold > 0.95:
            raise InvalidConfig(
                f"lsh_threshold {self.lsh_threshold} is too high to band: use at most 0.95, "
                "or give bands and rows"
            )
        if (self.bands is None) != (self.rows is None):
            raise InvalidConfig("give both bands and rows, or neither (to use lsh_threshold)")
        if self.bands is not None and self.rows is not None:
            if isinstance(self.bands, bool) or not isinstance(self.bands, int):
                raise InvalidConfig(f"bands must be an integer, got {self.bands!r}")
            if isinstance(self.rows, bool) or not isinstance(self.rows, int):
                raise InvalidConfig(f"rows must be an integer, got {self.rows!r}")
            if self.bands < 1 or self.rows < 1:
                raise InvalidConfig("bands and rows must be positive")
            if self.bands * self.rows > self.num_perm:
                raise InvalidConfig(
                    f"bands * rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}: "
                    "raise num_perm or lower bands or rows"
                )

    @classmethod
    def preset(cls, name: str) -> DetectorConfig:
        """The configuration a preset names (see ``PRESETS``).

        >>> DetectorConfig.preset("ocr").bands_rows()
        (64, 3)
        """
        try:
            changes = PRESETS[name][1]
        except KeyError:
            choices = ", ".join(PRESETS)
            raise InvalidConfig(f"unknown preset {name!r}: choose one of {choices}") from None
        return cls(**changes)

    def preset_name(self) -> str | None:
        """The preset this configuration is, or None for one set by hand.

        >>> DetectorConfig.preset("ocr").preset_name(), DetectorConfig(seed=7).preset_name()
        ('ocr', None)
        """
        return next((name for name in PRESETS if self == DetectorConfig.preset(name)), None)

    def bands_rows(self) -> tuple[int, int]:
        """The LSH banding: explicit, or datasketch's optimum for ``lsh_threshold``."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return _optimal_bands(self.lsh_threshold, self.num_perm)

    def fingerprint(self) -> str:
        """A short stable name for the parameters that shape band keys.

        >>> DetectorConfig().fingerprint() == DetectorConfig(min_passage_chars=50).fingerprint()
        True
        """
        bands, rows = self.bands_rows()
        shape = (
            f"v{ALGORITHM_VERSION}:k{self.shingle_size}:p{self.num_perm}:s{self.seed}"
            f":b{bands}:r{rows}:u{self.unit_min_chars}-{self.unit_max_chars}"
        )
        return xxhash.xxh64_hexdigest(shape.encode())[:12]


PRESETS: dict[str, tuple[str, dict[str, int]]] = {
    "news": ("born-digital news and web pages (the defaults)", {}),
    # 192 permutations in 64 bands of 3 rows give each unit three times the chances to
    # meet a copy whose OCR differs every few letters, and one shared bucket makes a
    # candidate (three times the signing work and postings, more candidates verified);
    # common text counts from 100 aligned characters (reprinted advertisements) and
    # from 50 articles (an archive reprints an advertisement all year).
    "ocr": (
        "scanned archives (more bands, for copies whose OCR differs)",
        {
            "num_perm": 192,
            "bands": 64,
            "rows": 3,
            "min_band_hits": 1,
            "max_candidates": 300,
            "common_df": 50,
            "common_passage_chars": 100,
        },
    ),
}
"""Named configurations: what each is for, and its changes to the defaults. Each has
its own index namespace (its band keys differ). ``python -m benchmarks.sweep`` measures
them; docs/engine.md gives the figures."""


KNOWN_BANDS: dict[tuple[float, int], tuple[int, int]] = {(0.3, 64): (21, 3)}
"""datasketch's optimum for the default threshold and permutations, written down (a
test checks it against datasketch): importing datasketch pulls in SciPy and redis-py,
about a second at the start of every process, most of them never needing the rest."""


@functools.lru_cache(maxsize=64)
def _optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    known = KNOWN_BANDS.get((threshold, num_perm))
    if known is not None:
        return known
    from datasketch import MinHashLSH  # noqa: PLC0415  # slow to import: see KNOWN_BANDS

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidConfig(f"{name} must be an integer in [{low}, {high}], got {value!r}")
