"""The steps of ``redite dedupe``, each a task over one partition or one key shard.

Every task reads what earlier steps left in the work directory and writes its own
files there, each atomically (a finished file is a finished task), so the same tasks
run in local processes or on Dask workers, and an interrupted job resumes from the
tasks it finished. Articles are numbered in input order (their *ordinal*); partition
``p`` holds ordinals ``[p * size, (p + 1) * size)``.

- **read** (the driver, in order): ``read/P.jsonl`` (the articles), ``read/P.offsets.npy``
  (where each line starts) and ``read/P.meta.json`` (ids, dates, sources).
- **fingerprint** (per partition, each started once the read has written it): every
  article's band keys as postings ``fingerprint/P.keys.npy`` / ``P.ords.npy`` sorted by
  key then ordinal, each unit's band keys, the articles' paragraphs and units, and their internal
  repeats.
- **group** (per shard of the key space): the shard's postings from every partition,
  sorted by key then ordinal, with each bucket's key and first member: an index of the
  whole corpus. Buckets of a single posting are left out (an article finds only itself
  there); the postings kept are also written by ordinal.
- **candidates** (per partition): every unit's band keys looked up in the shards, as a
  store lookup of the article's keys would be, and the engine's candidate rules applied
  to what is found, vectorised (:func:`find_candidates`): the same choice ``redite
  check`` makes.
- **verify** (per partition of the smaller ordinal): each candidate pair compared once
  by the engine (``detector.score.compare``), both texts read back from ``read/`` and
  prepared again with the paragraphs and units the fingerprint step kept.
- **against**, **index** (per partition, with ``--against``): the articles matched
  against a store, then added to it.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detector.arrays import distinct, distinct_counts, ranges, stable_argsort
from detector.config import DetectorConfig
from detector.matcher import index_keys
from detector.model import Article, Match
from detector.prepare import Prepared, Segments, prepare_batch
from detector.repeats import internal_repeats_of
from detector.score import compare
from detector.segment import paragraph_rows, paragraphs_of
from service import jsonl
from service.matching import match_prepared
from service.readers import Location, article_from_object
from service.stores import open_store

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

BATCH = 256
"""Articles prepared per vectorised call."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What every task needs to know: where the work lies and how it is cut."""

    work: str
    config: DetectorConfig
    partitions: int
    partition_size: int
    shard_bits: int
    against: str | None = None
    """A store URL whose articles every article is also matched against."""

    @property
    def shards(self) -> int:
        return 1 << self.shard_bits

    def path(self, step: str, number: int, suffix: str) -> Path:
        return Path(self.work, step, f"{number:05d}{suffix}")

    def partition_of(self, ordinal: int) -> int:
        return ordinal // self.partition_size


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees all of it or no file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def save_array(path: Path, array: npt.NDArray[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp.npy")
    np.save(temporary, array)
    os.replace(temporary, path)


def mapped(path: Path) -> npt.NDArray[Any]:
    """A finished array of an earlier step, mapped into memory once per process.

    A verify task wants a few rows of the files of hundreds of partitions, and a worker
    runs many tasks: opening a ``.npy`` file costs about 50 microseconds, mapping it again
    nothing. Only files of which a task reads a few pages are worth keeping mapped: the
    pages read stay resident in the worker. The key holds the file's inode and
    modification time, so a file written again (another job in the same directory) is
    mapped afresh.
    """
    stat = path.stat()
    return _mapped(str(path), (stat.st_ino, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8192)
def _mapped(path: str, stamp: tuple[int, int, int]) -> npt.NDArray[Any]:
    del stamp  # only part of the cache key
    array: npt.NDArray[Any] = np.load(path, mmap_mode="r")
    return array


def lines_of(rows: Iterable[Any]) -> bytes:
    return b"".join(map(jsonl.line, rows))


# read ------------------------------------------------------------------------------------


def write_partition(plan_work: str, number: int, articles: Sequence[Article]) -> None:
    """Write one partition of the read step (the last file written marks it done)."""
    offsets, chunks, position = [], [], 0
    for article in articles:
        line = jsonl.line(article.to_json())
        offsets.append(position)
        chunks.append(line)
        position += len(line)
    work = Path(plan_work, "read")
    write_atomically(work / f"{number:05d}.jsonl", b"".join(chunks))
    save_array(work / f"{number:05d}.offsets.npy", np.array(offsets, dtype=np.int64))
    meta = {
        "ids": [a.id for a in articles],
        "published": [
            None if a.published_at is None else a.published_at.timestamp() for a in articles
        ],
        "sources": [a.source for a in articles],
    }
    write_atomically(work / f"{number:05d}.meta.json", jsonl.dumps(meta))


def read_partition(plan: Plan, number: int, wanted: Sequence[int] | None = None) -> list[Article]:
    """The articles of a partition, or those at positions ``wanted`` within it."""
    path = plan.path("read", number, ".jsonl")
    with path.open("rb") as handle:
        if wanted is None:
            return [_article(line, path, i) for i, line in enumerate(handle)]
        # A seek per wanted line, the kernel's read-ahead left on: turning it off reads
        # fewer bytes but in more requests, much slower on a disk that limits requests a
        # second (docs/batch.md).
        offsets = mapped(plan.path("read", number, ".offsets.npy"))
        found = []
        for i in wanted:
            handle.seek(int(offsets[i]))
            found.append(_article(handle.readline(), path, i))
        return found


def _article(line: bytes, path: Path, index: int) -> Article:
    return article_from_object(json.loads(line), Location(str(path), index + 1))


def read_meta(plan: Plan, number: int) -> dict[str, list[Any]]:
    meta: dict[str, list[Any]] = json.loads(plan.path("read", number, ".meta.json").read_bytes())
    return meta


# fingerprint ------------------------------------------------------------------------------


def fingerprint(plan: Plan, number: int) -> None:
    """Postings (band key, ordinal) of a partition, the band keys of each unit, and the
    articles' internal repeats."""
    articles = read_partition(plan, number)
    first = number * plan.partition_size
    keys: list[U64] = []
    owners: list[U32] = []
    unit_keys: list[U64] = []
    unit_owner: list[U32] = []
    unit_indexable: list[npt.NDArray[np.bool_]] = []
    unit_ranges: list[I64] = []
    paragraph_tables: list[I64] = []
    paragraph_owner: list[U32] = []
    repeats: list[dict[str, Any]] = []
    for start in range(0, len(articles), BATCH):
        batch = prepare_batch(articles[start : start + BATCH], plan.config)
        found_repeats = internal_repeats_of(batch, plan.config)
        for offset, (prepared, found) in enumerate(zip(batch, found_repeats, strict=True), start):
            own = prepared.lookup_keys()
            keys.append(own)
            owners.append(np.full(own.shape[0], first + offset, dtype=np.uint32))
            unit_keys.append(prepared.keys)
            unit_owner.append(np.full(prepared.keys.shape[0], first + offset, dtype=np.uint32))
            unit_indexable.append(prepared.indexable)
            unit_ranges.append(prepared.units)
            paragraph_tables.append(paragraph_rows(prepared.paragraphs))
            paragraph_owner.append(
                np.full(len(prepared.paragraphs), first + offset, dtype=np.uint32)
            )
            if found.spans:
                repeats.append({"id": prepared.article.id, **found.to_json()})
    bands = plan.config.bands_rows()[0]
    all_keys = _joined(keys, np.uint64)
    # Stable: equal keys stay in ordinal order, so that the group step, merging the
    # partitions in order, finds every bucket's members by ordinal.
    order = stable_argsort(all_keys)
    save_array(plan.path("fingerprint", number, ".ords.npy"), _joined(owners, np.uint32)[order])
    save_array(
        plan.path("fingerprint", number, ".unit_keys.npy"),
        _joined(unit_keys, np.uint64, bands),
    )
    save_array(plan.path("fingerprint", number, ".unit_owner.npy"), _joined(unit_owner, np.uint32))
    save_array(
        plan.path("fingerprint", number, ".unit_indexable.npy"), _joined(unit_indexable, np.bool_)
    )
    # The segmentation, so that the verify step does not segment an article again.
    save_array(
        plan.path("fingerprint", number, ".units.npy"),
        _joined(unit_ranges, np.int64, 2).astype(np.int32),
    )
    save_array(
        plan.path("fingerprint", number, ".paragraphs.npy"),
        _joined(paragraph_tables, np.int64, 3).astype(np.int32),
    )
    save_array(
        plan.path("fingerprint", number, ".paragraph_owner.npy"),
        _joined(paragraph_owner, np.uint32),
    )
    write_atomically(plan.path("fingerprint", number, ".repeats.jsonl"), lines_of(repeats))
    save_array(plan.path("fingerprint", number, ".keys.npy"), all_keys[order])  # last: done


def _joined(
    parts: Sequence[npt.NDArray[Any]], dtype: Any, width: int | None = None
) -> npt.NDArray[Any]:
    """The parts end to end; none make an empty array (of rows of ``width``)."""
    if parts:
        return np.concatenate(parts)
    return np.zeros((0,) if width is None else (0, width), dtype=dtype)


# group -----------------------------------------------------------------------------------


def group(plan: Plan, shard: int) -> None:
    """One shard of the whole corpus's index: the members of its shared buckets, bucket
    after bucket (by key, members by ordinal), and each bucket's key and first member,
    so that one binary search in the keys finds a bucket."""
    shift = 64 - plan.shard_bits
    bounds = np.array([shard << shift, ((shard + 1) << shift) - 1], dtype=np.uint64)
    keys_parts, ords_parts = [], []
    for number in range(plan.partitions):
        # Each partition's file is mapped for as long as its slice takes to copy: a view
        # would keep every map open to the end of the task, with the pages its binary
        # search faulted in around each probe (about 2 GiB a worker at 1,000,000
        # articles, where the slices themselves hold 80 MB).
        keys = np.load(plan.path("fingerprint", number, ".keys.npy"), mmap_mode="r")
        ords = np.load(plan.path("fingerprint", number, ".ords.npy"), mmap_mode="r")
        low = int(np.searchsorted(keys, bounds[0], side="left"))
        high = int(np.searchsorted(keys, bounds[1], side="right"))
        keys_parts.append(np.array(keys[low:high]))
        ords_parts.append(np.array(ords[low:high]))
        del keys, ords
    keys = np.concatenate(keys_parts)
    ords = np.concatenate(ords_parts)
    # The partitions come in ordinal order, each sorted by key then ordinal: a stable
    # sort merges their runs (0.30 s against 0.49 s for the default sort of a shard of
    # 6.4 million postings) and leaves each bucket's members by ordinal.
    order = np.argsort(keys, kind="stable")
    keys, ords = keys[order], ords[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.append(starts, keys.shape[0]))
    hot = sizes > plan.config.hot_bucket_cap
    summary = {
        "postings": int(keys.shape[0]),
        "buckets": int(starts.shape[0]),
        "shared_buckets": int((sizes >= 2).sum()),
        "hot_buckets": int(hot.sum()),
        "hot_postings": int(sizes[hot].sum()),
        "largest_bucket": int(sizes.max()) if sizes.shape[0] else 0,
    }
    # A bucket of one posting holds only its own article, which finds nobody there:
    # most buckets are such, and dropping them shrinks what the candidates step reads.
    kept = sizes >= 2
    shared = np.repeat(kept, sizes)
    keys, ords = keys[shared], ords[shared]
    bucket_starts = np.concatenate(([0], np.cumsum(sizes[kept])))
    # The same postings by ordinal: a candidates task reads its partition's slice, the
    # keys worth looking up at all.
    by_ordinal = np.argsort(ords)
    save_array(plan.path("group", shard, ".ordinal_ords.npy"), ords[by_ordinal])
    save_array(plan.path("group", shard, ".ordinal_keys.npy"), keys[by_ordinal])
    save_array(plan.path("group", shard, ".ords.npy"), ords)
    save_array(plan.path("group", shard, ".bucket_starts.npy"), bucket_starts)
    save_array(plan.path("group", shard, ".bucket_keys.npy"), keys[bucket_starts[:-1]])
    write_atomically(plan.path("group", shard, ".json"), jsonl.dumps(summary))  # last


# candidates ------------------------------------------------------------------------------

CHUNK = 256
"""Articles whose candidates are worked out together (bounds a task's memory)."""


def find_candidates(plan: Plan, number: int) -> None:
    """Candidate pairs of the partition's articles, and every unit's *common* flag.

    For a chunk of articles at a time, every band key of every unit is looked up in the
    shards, as a store lookup of the article's keys would be, and the engine's rules are
    applied to what is found, vectorised (see :func:`detector.matcher.candidates`):

    - a unit is common when more than ``common_df`` articles (itself included) share one
      of its buckets, or when one of its buckets is hot;
    - each other article met through a unit votes once for that unit, through buckets
      of at most ``hot_bucket_cap`` articles; votes through common units count only when
      they cover ``republication_coverage`` of the article's indexable units; an article
      sharing fewer than ``min_band_hits`` buckets with the units is left out;
    - the ``max_candidates`` with the most votes are kept, the first seen among equals.
    """
    owner = np.load(plan.path("fingerprint", number, ".unit_owner.npy"))
    unit_keys = np.load(plan.path("fingerprint", number, ".unit_keys.npy"))
    indexable = np.load(plan.path("fingerprint", number, ".unit_indexable.npy"))
    shards = _Shards(plan, number)
    first = number * plan.partition_size
    cuts = np.searchsorted(owner, np.arange(first, first + plan.partition_size + CHUNK, CHUNK))
    pairs: list[npt.NDArray[np.uint32]] = []
    common: list[npt.NDArray[np.bool_]] = []
    for low, high in pairwise(cuts.tolist()):
        if high > low:
            found, flags = _chunk_candidates(
                plan, shards, owner[low:high], unit_keys[low:high], indexable[low:high]
            )
            pairs.append(found)
            common.append(flags)
    found = _distinct_pairs(pairs)
    save_array(plan.path("candidates", number, ".common.npy"), _joined(common, np.bool_))
    save_array(plan.path("candidates", number, ".pairs.npy"), found.astype(np.uint32))  # last


def _distinct_pairs(parts: Sequence[npt.NDArray[np.uint32]]) -> npt.NDArray[np.uint32]:
    """The distinct rows of ``(n, 2)`` arrays of ordinals, sorted."""
    if not parts:
        return np.zeros((0, 2), dtype=np.uint32)
    rows = np.concatenate(parts).astype(np.uint64)
    codes = distinct((rows[:, 0] << np.uint64(32)) | rows[:, 1])
    return np.stack((codes >> np.uint64(32), codes & np.uint64(0xFFFFFFFF)), axis=1).astype(
        np.uint32
    )


class _Shards:
    """The group step's sorted shards, opened as memory maps on first use, as seen from
    one partition."""

    def __init__(self, plan: Plan, number: int) -> None:
        self.plan = plan
        self.shift = np.uint64(64 - plan.shard_bits)
        self._open: dict[int, tuple[U64, I64, U32]] = {}
        self.shared = self._shared_keys(number)
        """The partition's keys that are in a shared bucket, sorted: the others are in
        no shard, and a search in this small array skips them (most keys) quickly."""
        self.shard_of = (self.shared >> self.shift).astype(np.int64)
        self.bucket = np.zeros(self.shared.shape[0], dtype=np.int64)
        """Each shared key's bucket in its shard: found once for the partition, where
        every chunk would search the shard's keys again for the same keys."""
        bounds = np.searchsorted(self.shard_of, np.arange(plan.shards + 1))
        for shard in np.flatnonzero(np.diff(bounds)).tolist():
            low, high = int(bounds[shard]), int(bounds[shard + 1])
            self.bucket[low:high] = np.searchsorted(self.get(shard)[0], self.shared[low:high])

    def _shared_keys(self, number: int) -> U64:
        bounds = [number * self.plan.partition_size, (number + 1) * self.plan.partition_size]
        found = []
        for shard in range(self.plan.shards):
            ords = np.load(self.plan.path("group", shard, ".ordinal_ords.npy"), mmap_mode="r")
            keys = np.load(self.plan.path("group", shard, ".ordinal_keys.npy"), mmap_mode="r")
            low, high = np.searchsorted(ords, bounds).tolist()
            found.append(np.array(keys[low:high]))  # a copy: the map closes (see group)
        return distinct(_joined(found, np.uint64))

    def get(self, shard: int) -> tuple[U64, I64, U32]:
        """A shard's bucket keys, where each bucket's members start (and the end), and the
        members."""
        if shard not in self._open:
            self._open[shard] = (
                np.load(self.plan.path("group", shard, ".bucket_keys.npy"), mmap_mode="r"),
                np.load(self.plan.path("group", shard, ".bucket_starts.npy"), mmap_mode="r"),
                np.load(self.plan.path("group", shard, ".ords.npy"), mmap_mode="r"),
            )
        return self._open[shard]

    def buckets(self, keys: U64) -> tuple[I64, I64, U32]:
        """For each key: its bucket's size, and the members of the buckets of at most
        ``hot_bucket_cap`` articles as ``(row, ordinal)`` with ``row`` the key's index."""
        sizes = np.zeros(keys.shape[0], dtype=np.int64)
        rows: list[I64] = []
        members: list[U32] = []
        if self.shared.shape[0] == 0:
            return sizes, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32)
        order = np.argsort(keys)  # sorted needles search 5x faster
        needles = keys[order]
        spot = np.minimum(np.searchsorted(self.shared, needles), self.shared.shape[0] - 1)
        found = self.shared[spot] == needles
        order, spot = order[found], spot[found]
        bounds = np.searchsorted(self.shard_of[spot], np.arange(self.plan.shards + 1))
        for shard in np.flatnonzero(np.diff(bounds)).tolist():
            where = order[bounds[shard] : bounds[shard + 1]]
            _, bucket_starts, shard_ords = self.get(shard)
            bucket = self.bucket[spot[bounds[shard] : bounds[shard + 1]]]
            low = np.asarray(bucket_starts[bucket])
            high = np.asarray(bucket_starts[bucket + 1])
            sizes[where] = high - low
            small = (high - low) <= self.plan.config.hot_bucket_cap
            at, row = ranges(low[small], high[small])
            rows.append(where[small][row])
            members.append(np.asarray(shard_ords[at]))
        return sizes, _joined(rows, np.int64), _joined(members, np.uint32)


def _chunk_candidates(
    plan: Plan,
    shards: _Shards,
    owner: U32,
    unit_keys: U64,
    indexable: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
    """Candidate pairs ``(smaller, larger)`` of one chunk, and its units' common flags."""
    config = plan.config
    units, bands = unit_keys.shape
    if units == 0:
        return np.zeros((0, 2), np.uint32), np.zeros(0, dtype=bool)
    key_unit = np.repeat(np.arange(units, dtype=np.int64), bands)
    keys = unit_keys.ravel()
    # Only the article's own lookup keys (those of its indexable units) were looked up:
    # a key of a short unit counts only when an indexable unit of its article has it.
    short = np.flatnonzero(~indexable[key_unit])
    if short.shape[0]:
        own = _records(np.repeat(owner[indexable], bands), unit_keys[indexable].ravel())
        looked = np.ones(keys.shape[0], dtype=bool)
        looked[short] = np.isin(_records(owner[key_unit[short]], keys[short]), own)
        key_unit, keys = key_unit[looked], keys[looked]
    sizes, rows, members = shards.buckets(keys)
    hot = np.zeros(units, dtype=bool)
    hot[key_unit[sizes > config.hot_bucket_cap]] = True
    # Distinct (unit, member) pairs, the unit's neighbours (itself included), and how
    # many of the unit's buckets each shares with it: one sort of every hit.
    hit_unit = key_unit[rows]
    codes, shared = distinct_counts((hit_unit.astype(np.uint64) << np.uint64(32)) | members)
    unit_of = (codes >> np.uint64(32)).astype(np.int64)
    member = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    frequency = np.bincount(unit_of, minlength=units)
    common = hot | (frequency > config.common_df)
    # Votes: each indexable unit of an article votes once for each other article it
    # meets; band hits are summed over the same units.
    voting = indexable[unit_of] & (member != owner[unit_of])
    pair_codes = (owner[unit_of[voting]].astype(np.uint64) << np.uint64(32)) | member[
        voting
    ].astype(np.uint64)
    via_common = common[unit_of[voting]]
    pair_list, inverse = np.unique(pair_codes, return_inverse=True)
    rare_votes = np.bincount(inverse, weights=~via_common, minlength=pair_list.shape[0])
    common_votes = np.bincount(inverse, weights=via_common, minlength=pair_list.shape[0])
    band_hits = np.bincount(inverse, weights=shared[voting], minlength=pair_list.shape[0])
    indexable_count = np.bincount(
        (owner[indexable] - owner[0]).astype(np.int64), minlength=int(owner[-1] - owner[0]) + 1
    )
    needed = (
        config.republication_coverage
        * indexable_count[(pair_list >> np.uint64(32)).astype(np.int64) - int(owner[0])]
    )
    # Votes through common units count only when they are enough.
    enough = (common_votes > 0) & (common_votes >= needed)
    votes = (rare_votes + np.where(enough, common_votes, 0)).astype(np.int64)
    kept = ((rare_votes > 0) | enough) & (band_hits >= config.min_band_hits)
    pair_list, votes = pair_list[kept], votes[kept]
    a = (pair_list >> np.uint64(32)).astype(np.int64)
    b = (pair_list & np.uint64(0xFFFFFFFF)).astype(np.int64)
    order = np.lexsort((b, -votes, a))  # per article: most votes first, then first seen
    a, b = a[order], b[order]
    rank = np.arange(a.shape[0]) - np.searchsorted(a, a, side="left")
    keep = rank < config.max_candidates
    a, b = a[keep], b[keep]
    found = np.stack((np.minimum(a, b), np.maximum(a, b)), axis=1).astype(np.uint32)
    return found, common


def _records(owners: U32, keys: U64) -> npt.NDArray[np.void]:
    """``(owner, key)`` pairs as 12-byte records that sort and compare as wholes."""
    packed = np.empty(owners.shape[0], dtype=[("owner", ">u4"), ("key", ">u8")])
    packed["owner"] = owners
    packed["key"] = keys
    return packed.view("V12")


# verify ----------------------------------------------------------------------------------


def verify(plan: Plan, number: int) -> None:
    """Compare each candidate pair whose smaller ordinal lies in this partition."""
    low, high = number * plan.partition_size, (number + 1) * plan.partition_size
    mine = []
    # A pair was found by its first article's partition or by its second's, a later one.
    for other in range(number, plan.partitions):
        found = mapped(plan.path("candidates", other, ".pairs.npy"))  # sorted
        first, last = np.searchsorted(found[:, 0], [low, high]).tolist()
        mine.append(np.asarray(found[first:last]))
    pairs = _distinct_pairs(mine)
    prepared = _Prepared(plan)
    common = _commons(plan, distinct(pairs.ravel()).astype(np.int64).tolist())
    rows = []
    for start in range(0, pairs.shape[0], 4 * BATCH):
        chunk = pairs[start : start + 4 * BATCH].tolist()
        prepared.load(distinct(np.array(chunk, dtype=np.int64).ravel()).tolist())
        for a_ord, b_ord in chunk:
            row = _verified(plan, (a_ord, b_ord), prepared, common)
            if row is not None:
                rows.append(row)
    write_atomically(plan.path("verify", number, ".jsonl"), lines_of(rows))


class _Prepared:
    """Prepared articles by ordinal, the most recently used ``KEEP`` of them kept."""

    KEEP = 2048

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._kept: OrderedDict[int, Prepared] = OrderedDict()

    def load(self, ordinals: Sequence[int]) -> None:
        missing = [o for o in ordinals if o not in self._kept]
        self._kept.update(_prepare_ordinals(self.plan, missing, signed=False))
        for ordinal in ordinals:
            self._kept.move_to_end(ordinal)
        while len(self._kept) > max(self.KEEP, len(ordinals)):
            self._kept.popitem(last=False)

    def get(self, ordinal: int) -> Prepared:
        return self._kept[ordinal]


def _verified(
    plan: Plan, pair: tuple[int, int], prepared: _Prepared, common: dict[int, npt.NDArray[np.bool_]]
) -> dict[str, Any] | None:
    """The output row of a pair of ordinals, if the engine verifies it."""
    a_ord, b_ord = pair
    a, b = prepared.get(a_ord), prepared.get(b_ord)
    comparison = compare(a, b, plan.config, common.get(a_ord), common.get(b_ord))
    if comparison is None:
        return None
    return {
        "a": a_ord,
        "b": b_ord,
        "kind": comparison.kind,
        "score": round(comparison.score, 4),
        "a_coverage": round(comparison.a_coverage, 4),
        "b_coverage": round(comparison.b_coverage, 4),
        "passages": [
            {
                "a_span": list(p.query_span),
                "b_span": list(p.match_span),
                "similarity": round(p.similarity, 4),
            }
            for p in comparison.spans(a, b)
        ],
    }


def _prepare_ordinals(
    plan: Plan, ordinals: Sequence[int], *, signed: bool = True
) -> dict[int, Prepared]:
    """The articles of ``ordinals`` prepared, read from their partitions with the
    segmentation the fingerprint step kept, in batches; ``signed=False`` for articles
    that are only verified (see :func:`detector.prepare.prepare_batch`)."""
    order: list[int] = []
    articles: list[Article] = []
    segments: list[Segments] = []
    for number, wanted in _by_partition(plan, ordinals):
        first = number * plan.partition_size
        order.extend(wanted)
        articles.extend(read_partition(plan, number, [o - first for o in wanted]))
        segments.extend(_segments(plan, number, wanted))
    prepared: dict[int, Prepared] = {}
    for start in range(0, len(articles), BATCH):
        batch = prepare_batch(
            articles[start : start + BATCH],
            plan.config,
            segments[start : start + BATCH],
            signed=signed,
        )
        prepared.update(zip(order[start : start + BATCH], batch, strict=True))
    return prepared


def _by_partition(plan: Plan, ordinals: Sequence[int]) -> list[tuple[int, list[int]]]:
    """The ordinals grouped by partition, partitions in order."""
    grouped: dict[int, list[int]] = defaultdict(list)
    for ordinal in ordinals:
        grouped[plan.partition_of(ordinal)].append(ordinal)
    return sorted(grouped.items())


def _segments(plan: Plan, number: int, wanted: Sequence[int]) -> list[Segments]:
    """The paragraphs and units of some articles of a partition, as fingerprinted."""
    unit_owner = mapped(plan.path("fingerprint", number, ".unit_owner.npy"))
    units = mapped(plan.path("fingerprint", number, ".units.npy"))
    paragraph_owner = mapped(plan.path("fingerprint", number, ".paragraph_owner.npy"))
    paragraphs = mapped(plan.path("fingerprint", number, ".paragraphs.npy"))
    u_low = np.searchsorted(unit_owner, wanted, side="left").tolist()
    u_high = np.searchsorted(unit_owner, wanted, side="right").tolist()
    p_low = np.searchsorted(paragraph_owner, wanted, side="left").tolist()
    p_high = np.searchsorted(paragraph_owner, wanted, side="right").tolist()
    return [
        (paragraphs_of(np.asarray(paragraphs[pl:ph])), np.asarray(units[ul:uh], dtype=np.int64))
        for ul, uh, pl, ph in zip(u_low, u_high, p_low, p_high, strict=True)
    ]


def _commons(plan: Plan, ordinals: Sequence[int]) -> dict[int, npt.NDArray[np.bool_]]:
    """The common flags of each article's units, from the candidates step."""
    found: dict[int, npt.NDArray[np.bool_]] = {}
    for number, wanted in _by_partition(plan, ordinals):
        owner = mapped(plan.path("fingerprint", number, ".unit_owner.npy"))
        flags = mapped(plan.path("candidates", number, ".common.npy"))
        starts = np.searchsorted(owner, wanted, side="left")
        ends = np.searchsorted(owner, wanted, side="right")
        for ordinal, start, end in zip(wanted, starts.tolist(), ends.tolist(), strict=True):
            found[ordinal] = np.array(flags[start:end])
    return found


# against an archive ---------------------------------------------------------------------

INDEX_LOCK_WAIT = 600.0
"""Seconds an index task waits for the SQLite write lock (the service waits 10)."""
CONCURRENCY = 8
"""Store requests in flight per task."""


def match_against(plan: Plan, number: int) -> None:
    """Each article of the partition matched against the store at ``plan.against``."""
    assert plan.against is not None
    found = asyncio.run(_match_all(plan.against, plan.config, _prepared_partition(plan, number)))
    first = number * plan.partition_size
    rows = [
        {
            "a": first + offset,
            "b": match.id,
            "kind": match.kind,
            "score": round(match.score, 4),
            "a_coverage": round(match.query_coverage, 4),
            "b_coverage": round(match.match_coverage, 4),
            "passages": [
                {
                    "a_span": list(p.query_span),
                    "b_span": list(p.match_span),
                    "similarity": round(p.similarity, 4),
                }
                for p in match.passages
            ],
            "b_source": match.source,
            "b_published_at": None
            if match.published_at is None
            else match.published_at.timestamp(),
        }
        for offset, matches in enumerate(found)
        for match in sorted(matches, key=lambda m: m.id)
    ]
    write_atomically(plan.path("against", number, ".jsonl"), lines_of(rows))


def _prepared_partition(plan: Plan, number: int) -> Iterator[list[Prepared]]:
    """The partition's articles, ``BATCH`` at a time, prepared with the segmentation the
    fingerprint step kept."""
    first = number * plan.partition_size
    end = first + mapped(plan.path("read", number, ".offsets.npy")).shape[0]
    for start in range(first, end, BATCH):
        ordinals = range(start, min(start + BATCH, end))
        prepared = _prepare_ordinals(plan, ordinals)
        yield [prepared[ordinal] for ordinal in ordinals]


async def _match_all(
    url: str, config: DetectorConfig, batches: Iterable[Sequence[Prepared]]
) -> list[tuple[Match, ...]]:
    store = open_store(url, config)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(prepared: Prepared) -> tuple[Match, ...]:
        async with gate:
            return (await match_prepared(store, prepared, config)).report.matches

    found: list[tuple[Match, ...]] = []
    try:
        for batch in batches:
            found.extend(await asyncio.gather(*(one(p) for p in batch)))
        return found
    finally:
        await store.close()


def index_into(plan: Plan, number: int) -> None:
    """Add the partition's articles to the store at ``plan.against`` (upsert by id)."""
    assert plan.against is not None
    asyncio.run(_index_all(plan.against, plan.config, _prepared_partition(plan, number)))
    write_atomically(plan.path("index", number, ".done"), b"")


async def _index_all(
    url: str, config: DetectorConfig, batches: Iterable[Sequence[Prepared]]
) -> None:
    # A SQLite file has one write lock, which the other index tasks hold a transaction
    # of 256 articles at a time: wait as long as they may take.
    store = open_store(url, config, lock_wait=INDEX_LOCK_WAIT)
    try:
        for batch in batches:
            await store.upsert_many(
                [(p.article, index_keys(p), (p.paragraphs, p.units)) for p in batch]
            )
    finally:
        await store.close()
