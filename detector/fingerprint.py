"""Shingles, MinHash signatures and LSH band keys, for many units at once.

A shingle is ``k`` consecutive characters of the folded stream (see ``detector.text``),
hashed with XXH32 over their UTF-32-LE bytes. The xxhash package hashes one buffer per
call; a text has one shingle per character, so redite evaluates the same XXH32
function over every window of the stream at once with numpy, and a test checks each
value against ``xxhash.xxh32_intdigest``.

Signatures are datasketch's ``affine32`` MinHash: the same values as
``datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash)`` fed the same shingles.

Large batches run the same computations as compiled loops (:mod:`detector.kernels`):
hashing twice and signing five times as fast, once numba has paid its start-up in the
process.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from detector.arrays import ranges
from detector.kernels import loops_for
from detector.text import U32

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

XXH32_PRIMES = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1)
"""XXH32's five primes (the compiled loops use them too)."""
_P1, _P2, _P3, _P4, _P5 = (np.uint32(p) for p in XXH32_PRIMES)
EMPTY = np.uint32(0xFFFFFFFF)
"""Signature value of a unit with no shingles (datasketch's empty value)."""

# Shingles processed per block when signing: the (block x num_perm) working array stays
# within the CPU's last-level cache (4 MB at 64 permutations; measured fastest of 512 to
# 65536 on the benchmark machine).
_BLOCK = 16384


def _rotl(x: U32, r: int, spare: U32) -> None:
    """Rotate ``x`` left by ``r`` bits in place (``spare``: a scratch array like it)."""
    np.left_shift(x, np.uint32(r), out=spare)
    np.right_shift(x, np.uint32(32 - r), out=x)
    np.bitwise_or(x, spare, out=x)


def _xorshift(x: U32, r: int, spare: U32) -> None:
    """``x ^= x >> r`` in place (``spare``: a scratch array like it)."""
    np.right_shift(x, np.uint32(r), out=spare)
    np.bitwise_xor(x, spare, out=x)


def shingle_hashes(chars: U32, k: int, seed: int = 0) -> U32:
    """XXH32 of every ``k``-character window of ``chars`` (UTF-32-LE bytes), in order.

    Each step writes into the arrays it reads (a third faster than new arrays at every
    step: the time goes to memory traffic).

    >>> import xxhash
    >>> h = shingle_hashes(np.array([ord(c) for c in "abcdef"], dtype=np.uint32), 5)
    >>> int(h[1]) == xxhash.xxh32_intdigest("bcdef".encode("utf-32-le"))
    True
    """
    n = int(chars.shape[0]) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint32)
    if (loops := loops_for(n)) is not None:
        hashes: U32 = loops.shingle_hashes(np.ascontiguousarray(chars, np.uint32), k, seed)
        return hashes
    s = np.uint32(seed)
    spare = np.empty(n, dtype=np.uint32)
    with np.errstate(over="ignore"):
        stripes = k // 4
        if stripes:
            acc = [s + _P1 + _P2, s + _P2, s, s - _P1]
            vs: list[U32] = [np.full(n, a, dtype=np.uint32) for a in acc]
            for stripe in range(stripes):
                for i, v in enumerate(vs):
                    lane = 4 * stripe + i
                    np.multiply(chars[lane : lane + n], _P2, out=spare)
                    np.add(v, spare, out=v)
                    _rotl(v, 13, spare)
                    np.multiply(v, _P1, out=v)
            h = vs[0]
            _rotl(h, 1, spare)
            for v, r in zip(vs[1:], (7, 12, 18), strict=True):
                _rotl(v, r, spare)
                h += v
        else:
            h = np.full(n, s + _P5, dtype=np.uint32)
        h += np.uint32(4 * k)
        for j in range(4 * stripes, k):
            np.multiply(chars[j : j + n], _P3, out=spare)
            h += spare
            _rotl(h, 17, spare)
            h *= _P4
        _xorshift(h, 15, spare)
        h *= _P2
        _xorshift(h, 13, spare)
        h *= _P3
        _xorshift(h, 16, spare)
    return h


def fmix32(h: U32) -> U32:
    """MurmurHash3's finalizer, which datasketch applies to each input hash first."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint32(16))
        h = h * np.uint32(0x85EBCA6B)
        h = h ^ (h >> np.uint32(13))
        h = h * np.uint32(0xC2B2AE35)
        return h ^ (h >> np.uint32(16))


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """datasketch's affine32 permutation parameters ``(a, b)`` for a seed."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def sign_ranges(hashes: U32, starts: I64, ends: I64, num_perm: int, seed: int) -> U32:
    """MinHash signatures of ranges of shingle hashes, one row per range.

    Range ``g`` is ``hashes[starts[g]:ends[g]]``; ranges may overlap. An empty range gets
    :data:`EMPTY` everywhere.

    >>> sig = sign_ranges(np.arange(5, dtype=np.uint32), np.array([0, 3]), np.array([4, 3]), 4, 1)
    >>> sig.shape, bool((sig[1] == EMPTY).all())
    ((2, 4), True)
    """
    ends = np.maximum(ends, starts)  # a range that ends before its start is empty
    sizes = ends - starts
    if (loops := loops_for(int(sizes.sum()))) is not None:
        # The arrays it was compiled for: another layout or type would compile it again.
        signatures: U32 = loops.sign(
            np.ascontiguousarray(hashes, dtype=np.uint32),
            np.ascontiguousarray(starts, dtype=np.int64),
            np.ascontiguousarray(ends, dtype=np.int64),
            *permutations(num_perm, seed),
        )
        return signatures
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    if np.all(starts[1:] >= ends[:-1]):
        # Ranges follow each other without overlapping (as segmentation cuts units): a
        # mask of the shingles inside one takes a third of the time of their indices.
        size = hashes.shape[0]
        edges = np.bincount(starts, minlength=size + 1) - np.bincount(ends, minlength=size + 1)
        shingles = hashes[np.cumsum(edges[:size]) > 0]
    else:
        shingles = hashes[ranges(starts, ends)[0]]
    return sign(shingles, offsets, num_perm, seed)


def sign(hashes: U32, offsets: I64, num_perm: int, seed: int) -> U32:
    """MinHash signatures of groups of shingle hashes, one row per group, with numpy
    (:func:`sign_ranges` runs the compiled loop when it should).

    Group ``g`` is ``hashes[offsets[g]:offsets[g + 1]]``; ``offsets`` has one entry more
    than there are groups. Empty groups get :data:`EMPTY` everywhere.

    >>> sig = sign(np.array([1, 2, 3], dtype=np.uint32), np.array([0, 3, 3]), 4, 1)
    >>> sig.shape, bool((sig[1] == EMPTY).all())
    ((2, 4), True)
    """
    groups = int(offsets.shape[0]) - 1
    out = np.full((groups, num_perm), EMPTY, dtype=np.uint32)
    if groups <= 0 or hashes.shape[0] == 0:
        return out
    a, b = permutations(num_perm, seed)
    mixed = fmix32(hashes)
    sizes = np.diff(offsets)
    width = min(_BLOCK, int(hashes.shape[0]))
    buffer = np.empty((num_perm, width), dtype=np.uint32)  # reused: no page faults
    group = 0
    while group < groups:
        # Whole groups up to _BLOCK shingles (a larger group alone).
        first = group
        lo = int(offsets[first])
        group = max(int(np.searchsorted(offsets[1:], lo + _BLOCK, side="right")), first + 1)
        hi = int(offsets[group])
        if hi == lo:
            continue
        # (num_perm x shingles): the min runs along contiguous memory.
        block = (
            buffer[:, : hi - lo] if hi - lo <= width else np.empty((num_perm, hi - lo), np.uint32)
        )
        np.multiply(a[:, None], mixed[lo:hi], out=block)
        np.add(block, b[:, None], out=block)
        nonempty = np.flatnonzero(sizes[first:group])
        starts = (offsets[first:group] - lo)[nonempty]
        out[first + nonempty] = np.minimum.reduceat(block, starts, axis=1).T
    return out


def band_keys(signatures: U32, bands: int, rows: int, seed: int = 0) -> U64:
    """LSH band keys: one 64-bit key per band of each signature row.

    The single place band keys are computed: every index store and the batch job call
    it. The key mixes the band number in, so one flat key space serves all bands.

    >>> sig = sign(np.arange(10, dtype=np.uint32), np.array([0, 10]), 8, 1)
    >>> band_keys(sig, 4, 2).shape
    (1, 4)
    """
    n = int(signatures.shape[0])
    if bands * rows > int(signatures.shape[1]):
        raise ValueError(
            f"bands * rows = {bands * rows} exceeds the signature length {signatures.shape[1]}"
        )
    values = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = (np.arange(1, bands + 1, dtype=np.uint64) + np.uint64(seed)) * np.uint64(
            0x9E3779B97F4A7C15
        )
        key = np.broadcast_to(key, (n, bands)).copy()
        for r in range(rows):
            key ^= values[:, :, r]
            key *= np.uint64(0xBF58476D1CE4E5B9)
            key ^= key >> np.uint64(31)
        key *= np.uint64(0x94D049BB133111EB)
        key ^= key >> np.uint64(29)
    return key
