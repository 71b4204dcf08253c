"""Compiled loops for the steps that touch every character of a batch, and when to use
them.

The engine folds, hashes every shingle and signs every unit with numpy, one whole-array
operation at a time, and each operation walks the arrays again: the time goes to memory
traffic, not arithmetic. :mod:`detector.kernels.loops` holds the same computations as
loops that numba compiles to machine code, each value kept in registers from its first
step to its last (docs/batch.md measures them).

Compiling costs about a second the first time (numba keeps the result on disk, beside
the module in ``__pycache__``), and importing numba and loading the loops about half a
second in every process after that. So the engine runs them from the first large batch
on (:func:`loops_for`), and imports numba then: a single article checked stays on
numpy, a batch job's partitions do not, and neither does the work that follows them in
the same process (verifying each candidate pair). A long-lived process loads them at
start (:func:`load`: the service's workers). Tests check that both give the same
values.
"""

from __future__ import annotations

import sys
from types import ModuleType

COMPILED_FROM = 100_000
"""Values (code points, shingles) in one call from which it runs the compiled loops in a
process that has not loaded them yet: about 30 articles of 3 KB. Once loaded, every call
runs them."""

_LOOPS = "detector.kernels.loops"

FORCE: bool | None = None
"""True or False runs every call on the compiled loops or on numpy (the tests compare
the two); None chooses as :func:`loops_for` says."""


def loops_for(size: int) -> ModuleType | None:
    """:mod:`detector.kernels.loops` for a call over ``size`` values: from
    :data:`COMPILED_FROM` on, or once the process has loaded them (imported then); None
    for the numpy version."""
    if FORCE is False or (FORCE is None and size < COMPILED_FROM and _LOOPS not in sys.modules):
        return None
    from detector.kernels import loops  # noqa: PLC0415  # imports numba: see the module doc

    return loops


def load() -> None:
    """Load the compiled loops now, so that every later call in this process runs them:
    for a long-lived process that only meets small calls (a service worker matching one
    article at a time), which would otherwise stay on numpy."""
    loops_for(COMPILED_FROM)
