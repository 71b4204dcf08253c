"""detector.kernels: the compiled loops give the numpy versions' values, and run when
:func:`detector.kernels.loops_for` says.

Folding a batch and the two joins that run compiled are checked beside their numpy
versions in test_text.py and test_properties.py.
"""

from __future__ import annotations

import sys
from typing import Any
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from detector import Article, DetectorConfig, kernels
from detector.fingerprint import permutations, shingle_hashes, sign_ranges
from detector.kernels import loops
from detector.prepare import prepare_batch
from tests.properties import property_settings

PROPERTY = property_settings(60)

seeds = st.integers(0, 2**32 - 1)

NEWS = (
    "Le vice-ministre russe de la Défense a annoncé mercredi que des navires de la "
    "flottille de la Caspienne avaient tiré vingt-six missiles de croisière sur des "
    "cibles de l'organisation État islamique en Syrie, près de Deir ez-Zor."
)


@given(
    chars=st.lists(st.integers(0, 0x10FFFF), max_size=80),
    k=st.integers(1, 9),
    seed=seeds,
)
@PROPERTY
def test_the_compiled_shingle_hashes_are_numpys(chars: list[int], k: int, seed: int) -> None:
    """detector.kernels computes the same XXH32 values as the numpy version (and so as
    xxhash), for any window size and seed."""
    array = np.array(chars, dtype=np.uint32)
    with patch.object(kernels, "FORCE", False):
        expected = shingle_hashes(array, k, seed).tolist()
    assert loops.shingle_hashes(array, k, seed).tolist() == expected


@given(
    hashes=st.lists(st.integers(0, 2**32 - 1), max_size=80),
    ranges=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), max_size=10),
    num_perm=st.sampled_from([1, 7, 64]),
    seed=seeds,
)
@PROPERTY
def test_the_compiled_signatures_are_numpys(
    hashes: list[int], ranges: list[tuple[int, int]], num_perm: int, seed: int
) -> None:
    """detector.kernels signs ranges (overlapping, empty, in any order) as the numpy
    version does."""
    array = np.array(hashes, dtype=np.uint32)
    size = array.shape[0]
    starts = np.array([min(a, size) for a, _ in ranges], dtype=np.int64)
    ends = np.array([min(b, size) for _, b in ranges], dtype=np.int64)
    compiled = loops.sign(array, starts, np.maximum(ends, starts), *permutations(num_perm, seed))
    with patch.object(kernels, "FORCE", False):
        assert compiled.tolist() == sign_ranges(array, starts, ends, num_perm, seed).tolist()


def test_a_large_batch_runs_the_compiled_loops_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch is hashed and signed by detector.kernels with the values of the numpy
    version."""
    articles = [Article(str(n), f"{NEWS} Paragraphe {n}.\n\n{NEWS[n:]}") for n in range(40)]
    config = DetectorConfig()
    monkeypatch.setattr(kernels, "FORCE", False)
    expected = prepare_batch(articles, config)
    calls: list[str] = []
    monkeypatch.setattr(kernels, "FORCE", True)
    for name in ("shingle_hashes", "sign"):
        monkeypatch.setattr(loops, name, _counted(getattr(loops, name), name, calls))
    found = prepare_batch(articles, config)
    assert {"shingle_hashes", "sign"} <= set(calls)
    for a, b in zip(found, expected, strict=True):
        assert a.hashes.tolist() == b.hashes.tolist()
        assert a.signatures.tolist() == b.signatures.tolist()
        assert a.keys.tolist() == b.keys.tolist()


def test_the_compiled_loops_run_from_the_first_large_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has not loaded the loops runs small calls on numpy (numba's
    start-up would cost more); from a call of COMPILED_FROM values on, every call runs
    the loops."""
    monkeypatch.delitem(sys.modules, "detector.kernels.loops", raising=False)
    monkeypatch.delattr(kernels, "loops", raising=False)
    assert kernels.loops_for(kernels.COMPILED_FROM - 1) is None
    assert "detector.kernels.loops" not in sys.modules
    assert kernels.loops_for(kernels.COMPILED_FROM) is sys.modules["detector.kernels.loops"]
    assert kernels.loops_for(1) is sys.modules["detector.kernels.loops"]
    monkeypatch.setattr(kernels, "FORCE", False)
    assert kernels.loops_for(kernels.COMPILED_FROM) is None


def _counted(function: Any, name: str, calls: list[str]) -> Any:
    def counted(*args: Any) -> Any:
        calls.append(name)
        return function(*args)

    return counted


def test_load_makes_every_later_call_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived process (a service worker) loads the loops at start-up, after which
    even a one-article call runs them; forced to numpy, it loads nothing."""
    monkeypatch.delitem(sys.modules, "detector.kernels.loops", raising=False)
    monkeypatch.delattr(kernels, "loops", raising=False)
    monkeypatch.setattr(kernels, "FORCE", False)
    kernels.load()
    assert "detector.kernels.loops" not in sys.modules
    monkeypatch.setattr(kernels, "FORCE", None)
    kernels.load()
    assert kernels.loops_for(1) is sys.modules["detector.kernels.loops"]
