"""Compiled loops for the steps that touch every character of a batch, and when to use
them.

The engine folds, hashes every shingle and signs every unit with numpy, one whole-array
operation at a time, and each operation walks the arrays again: the time goes to memory
traffic, not arithmetic. :mod:`detector.kernels.loops` holds the same computations as
loops that numba compiles to machine code, each value kept in registers from its first
step to its last (docs/batch.md measures them).

Compiling costs about a second the first time (numba keeps the result on disk, beside
the module in ``__pycache__``), and importing numba and loading the loops about half a
second in every process after that. So the engine runs them for large batches only
(:func:`loops_for`), and imports numba on the first of them: a single article checked
or matched stays on numpy, a batch job's partitions do not. Tests check that both give
the same values.
"""

from __future__ import annotations

from types import ModuleType

COMPILED_FROM = 100_000
"""Values (code points, shingles) in one call from which it runs the compiled loops:
about 30 articles of 3 KB."""


def loops_for(size: int) -> ModuleType | None:
    """:mod:`detector.kernels.loops` for a call over ``size`` values from
    :data:`COMPILED_FROM` on, imported then; None below, for the numpy version."""
    if size < COMPILED_FROM:
        return None
    from detector.kernels import loops  # noqa: PLC0415  # imports numba: see the module doc

    return loops
