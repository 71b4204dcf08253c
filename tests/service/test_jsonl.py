"""service.jsonl: orjson's speed, json's values (and, but for floats, its bytes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service import jsonl
from tests.properties import property_settings

# JSON values as the json module reads them: any integer, finite floats, any text.
TEXT = st.text(st.characters(exclude_categories=["Cs"]))
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def _stdlib(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@property_settings(200)
@given(VALUES)
def test_json_reads_back_the_value_written(value: Any) -> None:
    assert json.loads(jsonl.dumps(value)) == value
    assert jsonl.line(value) == jsonl.dumps(value) + b"\n"


@pytest.mark.parametrize(
    "value",
    [
        {"id": "a", "text": "Le café « noir » — 30 °C\u2028\x1f\x7f"},
        {"n": [0, -1, 2**63 - 1, -(2**63), 2**64 - 1], "b": [True, False, None]},
        {"metadata": {"page": 3, "score": 0.25, "tags": ["a", "é", '"\\']}},
    ],
)
def test_writes_the_bytes_json_writes(value: Any) -> None:
    assert jsonl.dumps(value) == _stdlib(value)


@pytest.mark.parametrize("number", [2**64, -(2**63) - 1, 10**30, -(10**25)])
def test_integers_past_64_bits_are_written_whole(number: int) -> None:
    # orjson alone refuses to write these.
    value = {"id": "a", "metadata": {"n": [number]}}
    assert jsonl.dumps(value) == _stdlib(value)
