"""JSON lines read and written through orjson, with the standard library's values.

orjson reads and writes JSON several times as fast as the ``json`` module (the batch
job's read step writes every article once, and its steps read each one back), but it
reads an integer past 64 bits as a float, losing digits, and refuses to write one.
A text that could hold such a number (a run of 19 digits anywhere in it) is read with
``json``, and a value holding one is written with it, so every value is the one
``json`` gives. The bytes written are what ``json.dumps(value, ensure_ascii=False,
separators=(",", ":"))`` writes, but for the spelling of some floats (``1e-7`` for
``1e-07``), which read back the same.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_NUMBER = re.compile(r"\d{19}")
_LONG_NUMBER_BYTES = re.compile(rb"\d{19}")


def loads(data: str | bytes) -> Any:
    """The value of a JSON text, as ``json.loads`` reads it.

    Bad input raises a ``ValueError`` (``json.JSONDecodeError`` for text that is not
    JSON); a caller that wants ``json``'s own message reads it again with ``json``, as
    :func:`service.readers.parse_json_object` does.

    >>> loads(b'{"id": 12345678901234567890123, "n": 1.5}')
    {'id': 12345678901234567890123, 'n': 1.5}
    """
    long_number = (
        _LONG_NUMBER.search(data) if isinstance(data, str) else _LONG_NUMBER_BYTES.search(data)
    )
    if long_number is not None:
        return json.loads(data)
    return orjson.loads(data)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON with characters as they are.

    >>> dumps({"id": "é", "n": 2**70})
    b'{"id":"\\xc3\\xa9","n":1180591620717411303424}'
    """
    try:
        return orjson.dumps(value)
    except TypeError:  # an integer past 64 bits (anything else fails in json too)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def line(value: Any) -> bytes:
    """:func:`dumps` and a newline: one line of a JSONL file."""
    return dumps(value) + b"\n"
