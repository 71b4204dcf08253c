"""detector.arrays: the sort-based helpers agree with NumPy's np.unique and stable sort."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from detector.arrays import bounded_counts, distinct, distinct_counts, stable_argsort
from tests.properties import property_settings

SMALL = st.lists(st.integers(0, 300), max_size=2000)


@property_settings(100)
@given(SMALL, st.integers(0, 20_000))
def test_every_helper_counts_as_np_unique(values: list[int], spare: int) -> None:
    array = np.array(values, dtype=np.int64)
    expected, counts = np.unique(array, return_counts=True)
    assert distinct(array).tolist() == expected.tolist()
    found, found_counts = distinct_counts(array)
    assert (found.tolist(), found_counts.tolist()) == (expected.tolist(), counts.tolist())
    # A table bound just past the largest value, or far past it (then sorted instead).
    bound = (max(values) + 1 if values else 0) + spare
    found, found_counts = bounded_counts(array, bound)
    assert (found.tolist(), found_counts.tolist()) == (expected.tolist(), counts.tolist())


@property_settings(100)
@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 30), max_size=2000))
def test_stable_argsort_is_numpys_stable_sort(values: list[int]) -> None:
    """Equal values (many, or none) keep their order, as in NumPy's stable sort."""
    array = np.array(values, dtype=np.uint64)
    assert stable_argsort(array).tolist() == np.argsort(array, kind="stable").tolist()
