"""detector.fingerprint and detector.config: shingles, MinHash, band keys, parameters.

The shingle hashes and signatures must be exactly those of the reference libraries
(xxhash and datasketch), so an index built by redite can be compared with one built by
datasketch, and a reader can check the engine against code they already trust.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import numpy as np
import pytest
import xxhash
from datasketch import MinHash, MinHashLSH
from hypothesis import given
from hypothesis import strategies as st

from detector import Article, DetectorConfig, InvalidConfig, RediteError, kernels
from detector.config import KNOWN_BANDS
from detector.fingerprint import EMPTY, band_keys, shingle_hashes, sign
from detector.prepare import _signatures_and_keys, prepare_batch
from detector.text import I64, U32, fold
from tests.properties import property_settings

PROPERTY = property_settings(60)


@pytest.fixture(autouse=True, scope="module")
def _numpy_versions() -> Iterator[None]:
    """These tests check the numpy versions against xxhash and datasketch; the compiled
    loops are checked against the numpy versions in test_kernels.py."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kernels, "FORCE", False)
        yield


seeds = st.integers(0, 2**32 - 1)
texts = st.text(
    st.one_of(st.characters(), st.sampled_from([*"aéß ﬁＡ北Ω😀", "\U0001d400", "\U00020000"])),
    max_size=120,
)

NEWS = (
    "Le vice-ministre russe de la Défense a annoncé mercredi que des navires de la "
    "flottille de la Caspienne avaient tiré vingt-six missiles de croisière sur des "
    "cibles de l'organisation État islamique en Syrie, près de Deir ez-Zor."
)


def xxh32(data: bytes) -> int:
    """The hash function datasketch is given: XXH32 with seed 0."""
    return xxhash.xxh32_intdigest(data)


def windows(text: str, k: int) -> list[str]:
    return [text[i : i + k] for i in range(len(text) - k + 1)]


def datasketch_signature(shingles: list[str], num_perm: int, seed: int) -> U32:
    """The reference: a datasketch MinHash (default affine32 scheme) fed the shingles."""
    minhash = MinHash(num_perm=num_perm, seed=seed, hashfunc=xxh32)
    minhash.update_batch([s.encode("utf-32-le") for s in shingles])
    assert minhash.scheme == "affine32"
    values: U32 = minhash.hashvalues
    return values


def redite_signature(text: str, k: int, num_perm: int, seed: int) -> U32:
    chars = fold(text).chars
    hashes = shingle_hashes(chars, k)
    offsets: I64 = np.array([0, hashes.shape[0]], dtype=np.int64)
    signature: U32 = sign(hashes, offsets, num_perm, seed)[0]
    return signature


# --- shingle hashes are XXH32 over UTF-32-LE windows ------------------------------------


@PROPERTY
@given(texts, st.integers(1, 12), seeds)
def test_shingle_hashes_are_xxh32_of_each_window(text: str, k: int, seed: int) -> None:
    folded = fold(text)
    hashes = shingle_hashes(folded.chars, k, seed)
    expected = [
        xxhash.xxh32_intdigest(window.encode("utf-32-le"), seed)
        for window in windows(folded.text, k)
    ]
    assert hashes.dtype == np.uint32
    assert hashes.tolist() == expected


@pytest.mark.parametrize("k", range(1, 13))
def test_shingle_hashes_match_xxhash_on_news_text(k: int) -> None:
    folded = fold(NEWS)
    for seed in (0, 1, 0x9E3779B1, 2**32 - 1):
        expected = [
            xxhash.xxh32_intdigest(w.encode("utf-32-le"), seed) for w in windows(folded.text, k)
        ]
        assert shingle_hashes(folded.chars, k, seed).tolist() == expected


def test_too_short_a_stream_has_no_shingles() -> None:
    chars = fold("abcd").chars
    assert shingle_hashes(chars, 5).shape == (0,)
    assert shingle_hashes(fold("").chars, 1).shape == (0,)
    assert shingle_hashes(chars, 4).shape == (1,)


# --- signatures are datasketch's MinHash ------------------------------------------------


def test_signature_equals_datasketch_minhash() -> None:
    """THE interoperability test: redite's vectorised MinHash of a text equals
    ``datasketch.MinHash(num_perm, seed, hashfunc=xxh32)`` fed the same 5-character
    shingles (UTF-32-LE bytes of the folded stream) with ``update_batch``."""
    num_perm, seed, k = 128, 1, 5
    shingles = windows(fold(NEWS).text, k)

    expected = datasketch_signature(shingles, num_perm, seed)
    actual = redite_signature(NEWS, k, num_perm, seed)

    assert actual.dtype == expected.dtype == np.uint32
    np.testing.assert_array_equal(actual, expected)


@PROPERTY
@given(texts, st.integers(1, 8), st.sampled_from([8, 16, 64, 128, 256]), seeds)
def test_signatures_equal_datasketch_for_any_text(
    text: str, k: int, num_perm: int, seed: int
) -> None:
    shingles = windows(fold(text).text, k)
    expected = datasketch_signature(shingles, num_perm, seed)
    np.testing.assert_array_equal(redite_signature(text, k, num_perm, seed), expected)


def test_many_groups_are_signed_as_if_one_by_one() -> None:
    """Groups of every size, including empty ones and groups larger than one block of
    work, signed in one call: each row is the datasketch MinHash of its group."""
    rng = np.random.default_rng(7)
    sizes = [3, 0, 5000, 1, 0, 4096, 4097, 2, 0]
    hashes: U32 = rng.integers(0, 2**32, sum(sizes), dtype=np.uint32)
    offsets: I64 = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    signatures = sign(hashes, offsets, 32, 3)
    assert signatures.shape == (len(sizes), 32)
    for row, (lo, hi) in enumerate(pairwise(offsets.tolist())):
        minhash = MinHash(num_perm=32, seed=3, hashfunc=int)
        minhash.update_batch(hashes[lo:hi].tolist())
        np.testing.assert_array_equal(signatures[row], minhash.hashvalues, err_msg=f"group {row}")


def test_empty_groups_give_the_empty_signature() -> None:
    offsets: I64 = np.array([0, 0, 0], dtype=np.int64)
    signatures = sign(np.zeros(0, dtype=np.uint32), offsets, 16, 1)
    assert signatures.shape == (2, 16)
    assert (signatures == EMPTY).all()
    # datasketch's empty MinHash holds the same value.
    assert (MinHash(num_perm=16, seed=1).hashvalues == EMPTY).all()


def test_no_groups_give_no_rows() -> None:
    offsets: I64 = np.array([0], dtype=np.int64)
    assert sign(np.zeros(0, dtype=np.uint32), offsets, 16, 1).shape == (0, 16)


# --- band keys --------------------------------------------------------------------------


def _signatures(n: int, num_perm: int, seed: int = 0) -> U32:
    rng = np.random.default_rng(seed)
    values: U32 = rng.integers(0, 2**32, (n, num_perm), dtype=np.uint32)
    return values


def test_band_keys_shape_and_type() -> None:
    keys = band_keys(_signatures(5, 64), 21, 3)
    assert keys.shape == (5, 21)
    assert keys.dtype == np.uint64


def test_band_keys_are_deterministic() -> None:
    signatures = _signatures(4, 64)
    np.testing.assert_array_equal(band_keys(signatures, 16, 4), band_keys(signatures.copy(), 16, 4))
    # Pinned values: stores written by another process or release must stay readable.
    # If this changes on purpose, bump detector.config.ALGORITHM_VERSION.
    signature = np.arange(8, dtype=np.uint32).reshape(1, 8)
    assert band_keys(signature, 4, 2).tolist() == [
        [3283892220982972588, 14976271954951772717, 6423755533572300638, 15919612631230454300]
    ]


def test_same_values_in_different_bands_give_different_keys() -> None:
    signatures = np.full((1, 64), 12345, dtype=np.uint32)
    keys = band_keys(signatures, 16, 4)[0].tolist()
    assert len(set(keys)) == 16


def test_band_keys_depend_on_every_row_and_the_seed() -> None:
    signatures = _signatures(1, 12)
    keys = band_keys(signatures, 3, 4)
    for column in range(12):
        changed = signatures.copy()
        changed[0, column] ^= np.uint32(1)
        differs = band_keys(changed, 3, 4) != keys
        assert differs[0].tolist() == [b == column // 4 for b in range(3)]
    assert (band_keys(signatures, 3, 4, seed=1) != keys).all()


def test_rows_of_equal_signatures_share_keys() -> None:
    signatures = np.repeat(_signatures(1, 16), 3, axis=0)
    keys = band_keys(signatures, 4, 4)
    assert (keys == keys[0]).all()


def test_band_keys_reject_more_rows_than_the_signature_has() -> None:
    with pytest.raises(ValueError, match="exceeds the signature length 16"):
        band_keys(_signatures(2, 16), 5, 4)


def test_band_keys_of_no_signatures() -> None:
    assert band_keys(np.zeros((0, 16), dtype=np.uint32), 4, 4).shape == (0, 4)


# --- DetectorConfig --------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.5, 0.9])
@pytest.mark.parametrize("num_perm", [32, 64, 256])
def test_banding_is_datasketch_optimum(threshold: float, num_perm: int) -> None:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    config = DetectorConfig(lsh_threshold=threshold, num_perm=num_perm)
    assert config.bands_rows() == (lsh.b, lsh.r)


def test_explicit_banding_wins() -> None:
    assert DetectorConfig(bands=8, rows=8).bands_rows() == (8, 8)


def test_fingerprint_names_what_shapes_band_keys() -> None:
    base = DetectorConfig()
    assert base.fingerprint() == DetectorConfig().fingerprint()
    assert base.fingerprint() == DetectorConfig(min_passage_chars=80).fingerprint()
    for changed in (
        DetectorConfig(shingle_size=4),
        DetectorConfig(num_perm=128),
        DetectorConfig(seed=2),
        DetectorConfig(lsh_threshold=0.5),
        DetectorConfig(unit_min_chars=50),
    ):
        assert changed.fingerprint() != base.fingerprint()


def test_config_is_frozen() -> None:
    config = DetectorConfig()
    with pytest.raises(AttributeError):
        config.num_perm = 128  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"shingle_size": 1}, "shingle_size"),
        ({"shingle_size": 2.5}, "shingle_size"),
        ({"num_perm": 4}, "num_perm"),
        ({"num_perm": 64.0}, "num_perm"),
        ({"unit_min_chars": 3}, "unit_min_chars"),
        ({"unit_max_chars": 50}, "unit_max_chars"),
        ({"min_passage_chars": 0}, "min_passage_chars"),
        ({"max_gap_chars": -1}, "max_gap_chars"),
        ({"hot_bucket_cap": 1}, "hot_bucket_cap"),
        ({"common_df": 0}, "common_df"),
        ({"max_candidates": 0}, "max_candidates"),
        ({"lsh_threshold": 0.0}, "lsh_threshold"),
        ({"lsh_threshold": float("nan")}, "lsh_threshold"),
        ({"verify_containment": 1.5}, "verify_containment"),
        ({"min_unit_coverage": -0.1}, "min_unit_coverage"),
        ({"min_similarity": 0.0}, "min_similarity"),
        ({"duplicate_coverage": 2.0}, "duplicate_coverage"),
        ({"republication_coverage": 0.0}, "republication_coverage"),
        ({"republication_coverage": 0.95}, "republication_coverage"),
        ({"bands": 4}, "rows"),
        ({"rows": 4}, "bands"),
        ({"bands": 0, "rows": 4}, "bands"),
        ({"bands": 16, "rows": 8}, "num_perm"),
    ],
)
def test_invalid_config_names_the_field(changes: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidConfig, match=named) as raised:
        DetectorConfig(**changes)  # type: ignore[arg-type]
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, RediteError)


def test_invalid_seed_is_refused_on_creation() -> None:
    with pytest.raises(InvalidConfig, match="seed"):
        DetectorConfig(seed=-1)


def test_threshold_too_high_for_num_perm_is_refused_on_creation() -> None:
    # Either refused with a message naming the field, or given a banding that works.
    try:
        bands, rows = DetectorConfig(lsh_threshold=0.99, num_perm=64).bands_rows()
    except InvalidConfig as error:
        problem = str(error)
    else:
        problem = "lsh_threshold" if 1 <= bands * rows <= 64 else f"banding {bands} x {rows}"
    assert "lsh_threshold" in problem


def test_wrongly_typed_threshold_names_the_field() -> None:
    with pytest.raises(InvalidConfig, match="lsh_threshold"):
        DetectorConfig(lsh_threshold="0.3")  # type: ignore[arg-type]


def test_prepared_unit_signatures_equal_datasketch() -> None:
    """End to end: each unit's signature, computed for several articles in one batch,
    is the datasketch MinHash of the shingles lying inside that unit."""
    config = DetectorConfig()
    articles = [
        Article("a", NEWS),
        Article("b", "Titre court\n\n" + NEWS.upper() + "\n\nUne autre phrase, sans rapport."),
        Article("c", ""),
    ]
    k = config.shingle_size
    bands, rows = config.bands_rows()
    for prepared in prepare_batch(articles, config):
        text = prepared.folded.text
        assert prepared.signatures.shape == (prepared.units.shape[0], config.num_perm)
        for unit, (start, end) in enumerate(prepared.units.tolist()):
            shingles = windows(text[start:end], k)
            expected = datasketch_signature(shingles, config.num_perm, config.seed)
            np.testing.assert_array_equal(prepared.signatures[unit], expected)
        np.testing.assert_array_equal(prepared.keys, band_keys(prepared.signatures, bands, rows))


def test_articles_prepared_unsigned_sign_themselves_with_the_same_values() -> None:
    # Candidates are prepared without signatures; a match's band keys are computed when
    # asked for, and must be those its batch would have given.
    articles = [
        Article("a", NEWS),
        Article("b", "Titre court\n\n" + NEWS.upper() + "\n\nUne autre phrase, sans rapport."),
        Article("c", ""),
        Article("d", "x"),
    ]
    for config in (DetectorConfig(), DetectorConfig.preset("ocr")):
        signed = prepare_batch(articles, config)
        unsigned = prepare_batch(articles, config, signed=False)
        for one, other in zip(signed, unsigned, strict=True):
            assert other.signed is None
            np.testing.assert_array_equal(other.units, one.units)
            np.testing.assert_array_equal(other.signatures, one.signatures)
            np.testing.assert_array_equal(other.keys, one.keys)
            assert other.signatures.shape == (one.units.shape[0], config.num_perm)


def test_presets_name_whole_configurations() -> None:
    assert DetectorConfig.preset("news") == DetectorConfig()
    ocr = DetectorConfig.preset("ocr")
    assert (ocr.num_perm, ocr.bands_rows(), ocr.min_band_hits) == (192, (64, 3), 1)
    assert ocr.fingerprint() != DetectorConfig().fingerprint()  # an index of its own


def test_an_unknown_preset_names_the_choices() -> None:
    with pytest.raises(InvalidConfig, match=r"unknown preset 'scans': choose one of news, ocr"):
        DetectorConfig.preset("scans")


@pytest.mark.parametrize(("threshold", "num_perm"), sorted(KNOWN_BANDS))
def test_the_bandings_written_down_are_datasketchs(threshold: float, num_perm: int) -> None:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert KNOWN_BANDS[threshold, num_perm] == (lsh.b, lsh.r)


@given(
    cuts=st.lists(st.integers(0, 60), min_size=2, max_size=12),
    overlap=st.booleans(),
)
@PROPERTY
def test_unit_signatures_are_those_of_each_units_shingles(cuts: list[int], overlap: bool) -> None:
    """Units that follow each other (the segmenter's) and units that overlap are signed
    alike: each from its own shingles."""
    config = DetectorConfig()
    k = config.shingle_size
    hashes = np.arange(100, 164, dtype=np.uint32) * np.uint32(2654435761)
    bounds = sorted(cuts)
    units = np.array(
        [(a, min(b + (k if overlap else 0), 64 + k - 1)) for a, b in pairwise(bounds)],
        dtype=np.int64,
    ).reshape(-1, 2)
    signatures, _ = _signatures_and_keys(hashes, units, config)
    for row, (a, b) in zip(signatures, units.tolist(), strict=True):
        own = hashes[a : max(b - k + 1, a)]
        expected = sign(own, np.array([0, own.shape[0]]), config.num_perm, config.seed)[0]
        assert (row == expected).all()
