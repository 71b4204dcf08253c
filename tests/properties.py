"""Hypothesis settings shared by the property suites.

CI runs the same examples every time (derandomized, no example database), so a red run
always points at the change under test. ``REDITE_FUZZ=N`` turns every property into a
random search of N examples, the wider sweep to run by hand before a release or after
touching the engine::

    REDITE_FUZZ=500 python -m pytest tests/detector -q
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, settings

FUZZ_ENV = "REDITE_FUZZ"


def _fuzz_examples() -> int:
    raw = os.environ.get(FUZZ_ENV, "").strip()
    if not raw:
        return 0
    try:
        examples = int(raw)
    except ValueError:
        raise pytest.UsageError(
            f"{FUZZ_ENV}={raw!r}: expected a number of examples, e.g. 500"
        ) from None
    if examples < 1:
        raise pytest.UsageError(f"{FUZZ_ENV}={raw!r}: expected at least 1 example")
    return examples


def property_settings(examples: int, suppress: Sequence[HealthCheck] = ()) -> settings:
    """``examples`` fixed examples a property (``REDITE_FUZZ`` random ones when set);
    ``suppress`` lists the health checks a suite's slow examples would trip."""
    fuzz = _fuzz_examples()
    return settings(
        max_examples=fuzz or examples,
        deadline=None,
        derandomize=not fuzz,
        database=None,
        suppress_health_check=list(suppress),
    )
