"""service.jsonl: orjson's speed with the values (and, but for floats, the bytes) of json."""

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


def _stdlib(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@property_settings(200)
@given(VALUES)
def test_reads_and_writes_what_json_does(value: Any) -> None:
    written = jsonl.dumps(value)
    assert jsonl.loads(written) == json.loads(written)
    assert jsonl.loads(written) == value
    assert jsonl.loads(_stdlib(value)) == json.loads(_stdlib(value))
    assert jsonl.loads(_stdlib(value).encode()) == json.loads(_stdlib(value))


@pytest.mark.parametrize(
    "value",
    [
        {"id": "a", "text": "Le café « noir » — 30 °C\u2028\x1f"},
        {"n": [0, -1, 2**63 - 1, -(2**63)], "b": [True, False, None]},
        {"metadata": {"page": 3, "score": 0.25, "tags": ["a", "é"]}},
    ],
)
def test_writes_the_bytes_json_writes(value: Any) -> None:
    assert jsonl.dumps(value) == _stdlib(value).encode("utf-8")
    assert jsonl.line(value) == _stdlib(value).encode("utf-8") + b"\n"


@pytest.mark.parametrize(
    "number", [2**64, -(2**63) - 1, 10**30, 12345678901234567890123, -(10**25)]
)
def test_integers_past_64_bits_keep_every_digit(number: int) -> None:
    # orjson alone reads these as floats and refuses to write them.
    text = json.dumps({"id": number, "metadata": {"n": [number]}})
    assert jsonl.loads(text) == {"id": number, "metadata": {"n": [number]}}
    assert jsonl.loads(text.encode()) == {"id": number, "metadata": {"n": [number]}}
    assert jsonl.dumps({"n": number}) == f'{{"n":{number}}}'.encode()


def test_bad_json_raises_the_json_error() -> None:
    with pytest.raises(json.JSONDecodeError):
        jsonl.loads('{"id": ')
    with pytest.raises(json.JSONDecodeError):
        jsonl.loads(b"[1, 2")
