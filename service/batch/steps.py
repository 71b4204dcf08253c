"""The steps of ``redite dedupe``, each a task over one partition or one key shard.

Every task reads what earlier steps left in the work directory and writes its own
files there, each atomically (a finished file is a finished task), so the same tasks
run in local processes or on Dask workers, and an interrupted job resumes from the
tasks it finished. Articles are numbered in input order (their *ordinal*); partition
``p`` holds ordinals ``[p * size, (p + 1) * size)``.

- **read** (the driver, in order): ``read/P.jsonl`` (the articles), ``read/P.offsets.npy``
  (where each line starts) and ``read/P.meta.json`` (ids, dates, sources).
- **fingerprint** (per partition): every article's band keys as postings
  ``fingerprint/P.keys.npy`` / ``P.ords.npy`` sorted by key, and its internal repeats.
- **group** (per shard of the key space): the buckets holding two or more articles. A
  bucket of at most ``hot_bucket_cap`` articles gives one row ``(a, b, key)`` per ordered
  pair of its members; a larger (hot) bucket gives one marker ``(a, key)`` per member and
  is never expanded. Rows are sorted by ``a`` so each partition reads its own slice.
- **candidates** (per partition): for every article met in a shared bucket, the
  buckets it was found in, as a store lookup would return them, fed to the engine's own
  ``common_units`` and ``candidates``: the same choice ``redite check`` makes.
- **verify** (per partition of the smaller ordinal): each candidate pair compared once
  by the engine (``detector.score.compare``), both texts read back from ``read/``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detector.config import DetectorConfig
from detector.matcher import candidates, common_units, index_keys
from detector.model import Article, Match
from detector.prepare import Prepared, prepare_batch
from detector.repeats import internal_repeats
from detector.score import compare
from service.matching import match
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


def dumps(value: Any) -> str:
    """Compact JSON with characters as they are: the form of every line written."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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


def lines_of(rows: Iterable[Any]) -> bytes:
    return "".join(dumps(row) + "\n" for row in rows).encode("utf-8")


# read ------------------------------------------------------------------------------------


def write_partition(plan_work: str, number: int, articles: Sequence[Article]) -> None:
    """Write one partition of the read step (the last file written marks it done)."""
    offsets, chunks, position = [], [], 0
    for article in articles:
        line = (dumps(article.to_json()) + "\n").encode("utf-8")
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
    write_atomically(work / f"{number:05d}.meta.json", dumps(meta).encode("utf-8"))


def read_partition(plan: Plan, number: int, wanted: Sequence[int] | None = None) -> list[Article]:
    """The articles of a partition, or those at positions ``wanted`` within it."""
    path = plan.path("read", number, ".jsonl")
    with path.open("rb") as handle:
        if wanted is None:
            return [_article(line, path, i) for i, line in enumerate(handle)]
        offsets = np.load(plan.path("read", number, ".offsets.npy"))
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
    """Postings (band key, ordinal) of a partition, and its articles' internal repeats."""
    articles = read_partition(plan, number)
    first = number * plan.partition_size
    keys: list[U64] = []
    owners: list[U32] = []
    repeats: list[dict[str, Any]] = []
    sizes: list[list[int]] = []
    for start in range(0, len(articles), BATCH):
        for offset, prepared in enumerate(
            prepare_batch(articles[start : start + BATCH], plan.config), start
        ):
            own = prepared.lookup_keys()
            keys.append(own)
            owners.append(np.full(own.shape[0], first + offset, dtype=np.uint32))
            found = internal_repeats(prepared, plan.config)
            if found.spans:
                repeats.append({"id": prepared.article.id, **found.to_json()})
            sizes.append([len(prepared.paragraphs), prepared.body_chars])
    all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    all_owners = np.concatenate(owners) if owners else np.zeros(0, dtype=np.uint32)
    order = np.argsort(all_keys, kind="stable")  # equal keys stay in ordinal order
    save_array(plan.path("fingerprint", number, ".ords.npy"), all_owners[order])
    write_atomically(plan.path("fingerprint", number, ".repeats.jsonl"), lines_of(repeats))
    write_atomically(plan.path("fingerprint", number, ".sizes.json"), dumps(sizes).encode())
    save_array(plan.path("fingerprint", number, ".keys.npy"), all_keys[order])  # last: done


# group -----------------------------------------------------------------------------------


def group(plan: Plan, shard: int) -> None:
    """The shared buckets of one shard of the key space (see the module docstring)."""
    shift = 64 - plan.shard_bits
    bounds = np.array([shard << shift, ((shard + 1) << shift) - 1], dtype=np.uint64)
    keys_parts, ords_parts = [], []
    for number in range(plan.partitions):
        keys = np.load(plan.path("fingerprint", number, ".keys.npy"), mmap_mode="r")
        ords = np.load(plan.path("fingerprint", number, ".ords.npy"), mmap_mode="r")
        low, high = (
            np.searchsorted(keys, bounds, side="left")[0],
            np.searchsorted(keys, bounds[1], side="right"),
        )
        keys_parts.append(np.asarray(keys[low:high]))
        ords_parts.append(np.asarray(ords[low:high]))
    keys = np.concatenate(keys_parts)
    ords = np.concatenate(ords_parts)
    order = np.lexsort((ords, keys))
    keys, ords = keys[order], ords[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.append(starts, keys.shape[0]))
    shared = sizes >= 2
    hot = sizes > plan.config.hot_bucket_cap
    pair_a, pair_b, pair_key = _pairs_within(
        ords, keys, starts[shared & ~hot], sizes[shared & ~hot]
    )
    hot_members = np.concatenate(
        [
            np.arange(s, s + n)
            for s, n in zip(starts[hot].tolist(), sizes[hot].tolist(), strict=True)
        ]
        or [np.zeros(0, dtype=np.int64)]
    )
    _save_by_owner(plan, "pairs", shard, pair_a, {"b": pair_b, "key": pair_key})
    _save_by_owner(plan, "hot", shard, ords[hot_members], {"key": keys[hot_members]})
    summary = {
        "postings": int(keys.shape[0]),
        "buckets": int(starts.shape[0]),
        "shared_buckets": int(shared.sum()),
        "hot_buckets": int(hot.sum()),
        "hot_postings": int(sizes[hot].sum()),
        "pair_rows": int(pair_a.shape[0]),
    }
    write_atomically(plan.path("group", shard, ".json"), dumps(summary).encode())


def _pairs_within(ords: U32, keys: U64, starts: I64, sizes: I64) -> tuple[U32, U32, U64]:
    """Every ordered pair ``(a, b)``, ``a != b``, of members of each bucket, with its key."""
    member_start = np.repeat(starts, sizes)  # per member of a shared bucket: its bucket
    member_size = np.repeat(sizes, sizes)
    member = member_start + (
        np.arange(member_start.shape[0]) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    )
    a = np.repeat(member, member_size)
    first = np.repeat(member_start, member_size)
    within = np.arange(a.shape[0]) - np.repeat(np.cumsum(member_size) - member_size, member_size)
    b = first + within
    keep = a != b
    return ords[a[keep]], ords[b[keep]], keys[a[keep]]


def _save_by_owner(
    plan: Plan, kind: str, shard: int, owners: U32, columns: dict[str, npt.NDArray[Any]]
) -> None:
    """Rows sorted by owner, and where each partition's rows start."""
    order = np.argsort(owners, kind="stable")
    bounds = np.searchsorted(
        owners[order], np.arange(plan.partitions + 1, dtype=np.int64) * plan.partition_size
    )
    save_array(plan.path("group", shard, f".{kind}.bounds.npy"), bounds.astype(np.int64))
    save_array(plan.path("group", shard, f".{kind}.a.npy"), owners[order])
    for name, column in columns.items():
        save_array(plan.path("group", shard, f".{kind}.{name}.npy"), column[order])


def _owned(plan: Plan, kind: str, number: int, names: Sequence[str]) -> list[npt.NDArray[Any]]:
    """The rows of every shard owned by partition ``number``: one array per column."""
    parts: dict[str, list[npt.NDArray[Any]]] = defaultdict(list)
    for shard in range(plan.shards):
        bounds = np.load(plan.path("group", shard, f".{kind}.bounds.npy"))
        low, high = int(bounds[number]), int(bounds[number + 1])
        for name in ("a", *names):
            column = np.load(plan.path("group", shard, f".{kind}.{name}.npy"), mmap_mode="r")
            parts[name].append(np.asarray(column[low:high]))
    return [np.concatenate(parts[name]) for name in ("a", *names)]


# candidates ------------------------------------------------------------------------------


def name(ordinal: int) -> str:
    """An ordinal as the id the engine sees: zero-padded, so ids sort as ordinals do."""
    return f"{ordinal:010d}"


def find_candidates(plan: Plan, number: int) -> None:
    """Candidate pairs of the partition's articles, and their common units."""
    a, b, key = _owned(plan, "pairs", number, ("b", "key"))
    hot_a, hot_key = _owned(plan, "hot", number, ("key",))
    first = number * plan.partition_size
    involved = np.union1d(a, hot_a).astype(np.int64)
    rows: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for owner, other, k in zip(a.tolist(), b.tolist(), key.tolist(), strict=True):
        rows[owner][k].append(name(other))
    placeholder = [f"~{i}" for i in range(plan.config.hot_bucket_cap + 1)]
    hot: dict[int, list[int]] = defaultdict(list)
    for owner, k in zip(hot_a.tolist(), hot_key.tolist(), strict=True):
        hot[owner].append(k)
    pairs: list[tuple[int, int]] = []
    commons: dict[int, npt.NDArray[np.bool_]] = {}
    positions = (involved - first).tolist()
    for start in range(0, len(positions), BATCH):
        chunk = positions[start : start + BATCH]
        named = [
            replace(article, id=name(first + position))  # the id ``candidates`` leaves out
            for position, article in zip(chunk, read_partition(plan, number, chunk), strict=True)
        ]
        for position, prepared in zip(chunk, prepare_batch(named, plan.config), strict=True):
            ordinal = first + position
            hits = _hits(
                prepared, ordinal, rows.get(ordinal, {}), hot.get(ordinal, []), placeholder
            )
            common = common_units(prepared, hits, plan.config)
            commons[ordinal] = common
            for other in candidates(prepared, hits, plan.config, common):
                o = int(other)
                pairs.append((min(ordinal, o), max(ordinal, o)))
    found = np.array(sorted(set(pairs)), dtype=np.uint32).reshape(-1, 2)
    owners = np.array(sorted(commons), dtype=np.uint32)
    flags = [commons[o] for o in owners.tolist()]
    lengths = np.array([f.shape[0] for f in flags], dtype=np.int64)
    packed = np.concatenate(flags) if flags else np.zeros(0, dtype=bool)
    save_array(plan.path("candidates", number, ".common_ords.npy"), owners)
    save_array(plan.path("candidates", number, ".common_lengths.npy"), lengths)
    save_array(plan.path("candidates", number, ".common.npy"), packed)
    save_array(plan.path("candidates", number, ".pairs.npy"), found)  # last: done


def _hits(
    prepared: Prepared,
    ordinal: int,
    shared: dict[int, list[str]],
    hot: Sequence[int],
    placeholder: list[str],
) -> dict[int, list[str]]:
    """What a lookup of the article's keys in an index of the whole corpus returns: the
    article itself in each of its buckets, the others sharing one, and for a hot bucket
    more than the cap (whose members no step uses)."""
    me = name(ordinal)
    hits = {int(k): [me] for k in prepared.lookup_keys().tolist()}
    for k, others in shared.items():
        hits[k] = sorted([me, *others])
    for k in hot:
        hits[k] = placeholder
    return hits


# verify ----------------------------------------------------------------------------------


def verify(plan: Plan, number: int) -> None:
    """Compare each candidate pair whose smaller ordinal lies in this partition."""
    low, high = number * plan.partition_size, (number + 1) * plan.partition_size
    mine = []
    for other in range(plan.partitions):
        found = np.load(plan.path("candidates", other, ".pairs.npy"))
        mine.append(found[(found[:, 0] >= low) & (found[:, 0] < high)])
    pairs = np.unique(np.concatenate(mine), axis=0) if mine else np.zeros((0, 2), np.uint32)
    needed = np.unique(pairs).astype(np.int64).tolist()
    prepared = dict(zip(needed, _prepare_ordinals(plan, needed), strict=True))
    common = _commons(plan, needed)
    rows = []
    for a_ord, b_ord in pairs.tolist():
        a, b = prepared[a_ord], prepared[b_ord]
        comparison = compare(a, b, plan.config, common.get(a_ord), common.get(b_ord))
        if comparison is None:
            continue
        rows.append(
            {
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
        )
    write_atomically(plan.path("verify", number, ".jsonl"), lines_of(rows))


def _prepare_ordinals(plan: Plan, ordinals: Sequence[int]) -> Iterator[Prepared]:
    by_partition: dict[int, list[int]] = defaultdict(list)
    for ordinal in ordinals:
        by_partition[plan.partition_of(ordinal)].append(ordinal)
    for number in sorted(by_partition):
        first = number * plan.partition_size
        positions = [o - first for o in by_partition[number]]
        for start in range(0, len(positions), BATCH):
            chunk = read_partition(plan, number, positions[start : start + BATCH])
            yield from prepare_batch(chunk, plan.config)


def _commons(plan: Plan, ordinals: Sequence[int]) -> dict[int, npt.NDArray[np.bool_]]:
    wanted = set(ordinals)
    found: dict[int, npt.NDArray[np.bool_]] = {}
    for number in sorted({plan.partition_of(o) for o in ordinals}):
        owners = np.load(plan.path("candidates", number, ".common_ords.npy")).tolist()
        lengths = np.load(plan.path("candidates", number, ".common_lengths.npy"))
        packed = np.load(plan.path("candidates", number, ".common.npy"))
        ends = np.cumsum(lengths).tolist()
        for owner, end, length in zip(owners, ends, lengths.tolist(), strict=True):
            if owner in wanted:
                found[owner] = packed[end - length : end]
    return found


# against an archive ---------------------------------------------------------------------

CONCURRENCY = 8
"""Store requests in flight per task."""


def match_against(plan: Plan, number: int) -> None:
    """Each article of the partition matched against the store at ``plan.against``."""
    assert plan.against is not None
    articles = read_partition(plan, number)
    first = number * plan.partition_size
    found = asyncio.run(_match_all(plan.against, plan.config, articles))
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


async def _match_all(
    url: str, config: DetectorConfig, articles: Sequence[Article]
) -> list[tuple[Match, ...]]:
    store = open_store(url, config)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(article: Article) -> tuple[Match, ...]:
        async with gate:
            return (await match(store, article, config)).report.matches

    try:
        return list(await asyncio.gather(*(one(a) for a in articles)))
    finally:
        await store.close()


def index_into(plan: Plan, number: int) -> None:
    """Add the partition's articles to the store at ``plan.against`` (upsert by id)."""
    assert plan.against is not None
    articles = read_partition(plan, number)
    asyncio.run(_index_all(plan.against, plan.config, articles))
    write_atomically(plan.path("index", number, ".done"), b"")


async def _index_all(url: str, config: DetectorConfig, articles: Sequence[Article]) -> None:
    store = open_store(url, config)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(prepared: Prepared) -> None:
        async with gate:
            await store.upsert(prepared.article, index_keys(prepared))

    try:
        for start in range(0, len(articles), BATCH):
            chunk = prepare_batch(articles[start : start + BATCH], config)
            await asyncio.gather(*(one(p) for p in chunk))
    finally:
        await store.close()
