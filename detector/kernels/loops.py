"""The loops numba compiles (see :mod:`detector.kernels` for when they run).

numba widens the products of unsigned 32-bit integers to 64 bits, so the hashing and
signing arithmetic is written on 64-bit integers masked to 32 bits: every value is the
numpy version's, and so xxhash's and datasketch's.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from detector.fingerprint import XXH32_PRIMES
from detector.text import I64, U32

_MASK = np.uint64(0xFFFFFFFF)
_P1, _P2, _P3, _P4, _P5 = (np.uint64(p) for p in XXH32_PRIMES)


@numba.njit(cache=True, nogil=True, inline="always")
def _rotl(x: np.uint64, r: int) -> np.uint64:
    return ((x << np.uint64(r)) | (x >> np.uint64(32 - r))) & _MASK


@numba.njit(cache=True, nogil=True, inline="always")
def _round(v: np.uint64, lane: np.uint64, prime: np.uint64, r: int, then: np.uint64) -> np.uint64:
    return (_rotl((v + lane * prime) & _MASK, r) * then) & _MASK


@numba.njit(cache=True, nogil=True)
def shingle_hashes(chars: U32, k: int, seed: int) -> U32:
    """XXH32 of every ``k``-character window of ``chars``: as
    :func:`detector.fingerprint.shingle_hashes`."""
    n = max(chars.shape[0] - k + 1, 0)
    out = np.empty(n, dtype=np.uint32)
    s = np.uint64(seed) & _MASK
    stripes = k // 4
    for i in range(n):
        if stripes:
            v1 = (s + _P1 + _P2) & _MASK
            v2 = (s + _P2) & _MASK
            v3 = s
            v4 = (s - _P1) & _MASK
            for stripe in range(stripes):
                at = i + 4 * stripe
                v1 = _round(v1, np.uint64(chars[at]), _P2, 13, _P1)
                v2 = _round(v2, np.uint64(chars[at + 1]), _P2, 13, _P1)
                v3 = _round(v3, np.uint64(chars[at + 2]), _P2, 13, _P1)
                v4 = _round(v4, np.uint64(chars[at + 3]), _P2, 13, _P1)
            h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _MASK
        else:
            h = (s + _P5) & _MASK
        h = (h + np.uint64(4 * k)) & _MASK
        for j in range(4 * stripes, k):
            h = _round(h, np.uint64(chars[i + j]), _P3, 17, _P4)
        h ^= h >> np.uint64(15)
        h = (h * _P2) & _MASK
        h ^= h >> np.uint64(13)
        h = (h * _P3) & _MASK
        h ^= h >> np.uint64(16)
        out[i] = np.uint32(h)
    return out


@numba.njit(cache=True, nogil=True)
def sign(hashes: U32, starts: I64, ends: I64, a: U32, b: U32) -> U32:
    """MinHash signatures of ``hashes[starts[g]:ends[g]]`` for every group ``g``: as
    :func:`detector.fingerprint.sign`, each hash mixed by MurmurHash3's finalizer, then
    ``a * h + b`` modulo 2**32 for each permutation; an empty group is all ``EMPTY``."""
    groups = starts.shape[0]
    perms = a.shape[0]
    out = np.full((groups, perms), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    for g in range(groups):
        row = out[g]
        for i in range(starts[g], ends[g]):
            h = np.uint64(hashes[i])
            h ^= h >> np.uint64(16)
            h = (h * np.uint64(0x85EBCA6B)) & _MASK
            h ^= h >> np.uint64(13)
            h = (h * np.uint64(0xC2B2AE35)) & _MASK
            h ^= h >> np.uint64(16)
            mixed = np.uint32(h)
            for p in range(perms):
                row[p] = min(row[p], np.uint32(a[p] * mixed + b[p]))
    return out


@numba.njit(cache=True, nogil=True)
def may_self_pair(
    hashes: U32, bounds: I64, rows: I64, unit_bounds: I64, max_bits: int
) -> npt.NDArray[np.bool_]:
    """:func:`detector.align.may_self_pair` of the texts whose hashes are
    ``hashes[bounds[t]:bounds[t + 1]]`` and whose units' shingles are the rows
    ``[start, start + count)`` of those, ``(start, count)`` in
    ``rows[unit_bounds[t]:unit_bounds[t + 1]]``."""
    texts = bounds.shape[0] - 1
    maybe = np.zeros(texts, dtype=np.bool_)
    table = np.zeros(1 << max_bits, dtype=np.uint8)
    for t in range(texts):
        first, last = unit_bounds[t], unit_bounds[t + 1]
        if last - first < 2:
            continue
        lo, n = bounds[t], bounds[t + 1] - bounds[t]
        bits = 0
        while n >> bits:
            bits += 1
        mask = np.uint32((1 << min(bits + 2, max_bits)) - 1)
        for i in range(lo, lo + n):
            cell = hashes[i] & mask
            table[cell] = min(table[cell] + 1, 2)
        for u in range(first, last):
            start, count = rows[u, 0], rows[u, 1]
            held = 0
            for i in range(lo + start, lo + start + count):
                held += table[hashes[i] & mask] >= 2
            if held >= 1 and 2 * held >= count:
                maybe[t] = True
                break
        for i in range(lo, lo + n):
            table[hashes[i] & mask] = 0
    return maybe


@numba.njit(cache=True, nogil=True)
def fold(
    cps: U32, bounds: I64, table: U32, expanded: int, hangul_from: int
) -> tuple[U32, I64, I64, npt.NDArray[np.uint8]]:
    """The code points of texts (text ``t`` is ``cps[bounds[t]:bounds[t + 1]]``) through
    the fold table, as :func:`detector.text.fold` maps them: the kept characters, their
    offsets in their text, where each text's begin, and each text's status: 1 folded,
    2 folded but holding characters from ``hangul_from`` (the jamo to compose), 0 to be
    folded again the general way (a code point past the table, or one that folds to
    several characters, from ``expanded``)."""
    texts = bounds.shape[0] - 1
    size = table.shape[0]
    chars = np.empty(cps.shape[0], dtype=np.uint32)
    pos = np.empty(cps.shape[0], dtype=np.int64)
    starts = np.zeros(texts + 1, dtype=np.int64)
    status = np.ones(texts, dtype=np.uint8)
    at = 0
    for t in range(texts):
        first = bounds[t]
        past = False  # a code point past the table
        top = np.uint32(0)
        # Every character is written and only the kept ones move on: no branch to
        # mispredict on the letters, spaces and punctuation of running text.
        for i in range(first, bounds[t + 1]):
            cp = cps[i]
            value = table[cp] if cp < size else np.uint32(0)
            past |= cp >= size
            chars[at] = value
            pos[at] = i - first
            at += value != 0
            top = max(top, value)
        starts[t + 1] = at
        if past or top >= expanded:
            status[t] = 0
        elif top >= hangul_from:
            status[t] = 2
    return chars[:at], pos[:at], starts, status


@numba.njit(cache=True, nogil=True)
def cross_counts(
    a: tuple[U32, npt.NDArray[np.int32]],
    b: tuple[U32, npt.NDArray[np.int32]],
    shared: npt.NDArray[np.int32],
    full_join: int,
) -> None:
    """Add to ``shared[i, j]`` the shingle rows that unit ``i`` of one text and unit
    ``j`` of another meet through, as :func:`detector.align._cross_pairs` pairs them:
    ``a`` and ``b`` are each text's ``(hash, unit)`` rows sorted by hash; a hash held
    by more than ``full_join ** 2`` row pairs joins the first row of ``a``'s run with
    all of ``b``'s, and every other row of ``a``'s run with the first of ``b``'s."""
    a_hashes, a_units = a
    b_hashes, b_units = b
    i, j = 0, 0
    while i < a_hashes.shape[0] and j < b_hashes.shape[0]:
        if a_hashes[i] < b_hashes[j]:
            i += 1
        elif a_hashes[i] > b_hashes[j]:
            j += 1
        else:
            a_end, b_end = i, j
            while a_end < a_hashes.shape[0] and a_hashes[a_end] == a_hashes[i]:
                a_end += 1
            while b_end < b_hashes.shape[0] and b_hashes[b_end] == b_hashes[j]:
                b_end += 1
            full = (a_end - i) * (b_end - j) <= full_join * full_join
            for row in range(i, a_end):
                last = b_end if full or row == i else j + 1
                for other in range(j, last):
                    shared[a_units[row], b_units[other]] += 1
            i, j = a_end, b_end
