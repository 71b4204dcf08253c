"""The production store: Redis standalone or Redis Cluster, through async redis-py.

Layout, under ``{namespace}:{fingerprint}:s{bits}t{tags}:`` (the fingerprint of the
parameters that shape band keys, and the bucket grouping, so two layouts never mix):

- ``a:{handle}``       a hash of the article records posted under a 4-byte handle (the
  low 32 bits of the id's xxh64): field = the id, value = the record as compact JSON
  (never pickle), with the article's paragraphs and units. Two ids rarely share a
  handle (about one id in 4,300 among a million ids); when they do, both records live
  in the hash and both are fetched and verified;
- ``b{tag}:{group}``   a string of 7-byte postings for many buckets, unsorted: a 3-byte
  field (the low 24 bits of a band key), then a 4-byte handle. The group is the key's
  high ``group_bits`` bits, so a bucket is named by 44 bits of its key at 20 group bits
  (two buckets that share them only add a candidate that verification drops). A posting
  costs its 7 bytes and no more, whatever Redis's encoding settings. The hash tag
  ``{group % 128}`` puts many groups in one cluster slot, so one script call can read or
  edit all of them;
- ``expiry``           with retention only: a sorted set of handles by the earliest
  expiry among their records;
- ``count``            how many articles are stored (approximate after a crash).

Round trips: a lookup is one pipeline of ``MGET`` of the groups (one on a single server,
one per tag touched on a cluster), searched in the client; a fetch one pipeline of
``HVALS``; an upsert two (read the old record; then write the record and edit the buckets
in one pipeline); a delete two. Redis Cluster pipelines split by node and run in parallel.

No cross-slot transactions, and every script names the keys it touches. The bucket edit
script appends a posting only if absent and removes it only if present, so concurrent
writers never lose each other's postings and writes are idempotent. A writer that dies
halfway leaves either postings without a record (ignored by readers) or a record with
some postings missing or stale (found through the others, or not at all); every match
is verified against the record's text, so no reader reports what is not there.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, overload
from urllib.parse import urlsplit, urlunsplit

import hiredis
import numpy as np
import numpy.typing as npt
import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import NoScriptError, RedisError, ResponseError

from detector.model import Article
from detector.prepare import Segments
from service.stores.base import (
    Stored,
    StoreError,
    StoreUnavailable,
    UpsertResult,
    decode_record,
    encode_record,
    expiry,
    handle_of,
)

KeysOf = Callable[[Stored], Sequence[int]]
"""The band keys a stored article is posted under (the service passes the engine's, which
reuse the record's segments)."""

GROUP_BITS = 20
"""Bucket groups: 2**20 hashes, about 60 postings each at a million paragraphs."""

TAGS = 128
"""Groups carry one of this many hash tags, so that one script call can edit or read
every group of a tag (Redis Cluster runs a script only on keys of one slot)."""

MAX_ENTRIES = 4096
"""Postings per script call: bounds how long one call holds Redis (a few ms)."""

MAX_CALLS = 64
"""Redis calls in flight at once from one store; the rest wait their turn. redis-py's
pools (100 connections a client, or a cluster node) refuse a call past that with "Too many
connections" instead of waiting, which would turn a burst of requests into 503s."""

_FIELD_BYTES = 3
_HANDLE_BYTES = 4
_POSTING = _FIELD_BYTES + _HANDLE_BYTES
_BULK_CONCURRENCY = 8
"""Upserts of one ``upsert_many`` in flight at once."""
_HANDLE_MASK = (1 << 8 * _HANDLE_BYTES) - 1

# The edit script reads entries packed in ARGV: a 2-byte index into KEYS (big-endian), then
# a 3-byte field (the low 24 bits of a band key), then the 4-byte handle. A group is a
# string of 7-byte postings (field, handle); ``string.find`` scans it in C, and a hit
# that does not start a posting (a match across two postings) is skipped.
#
# ARGV[1]: the most postings a bucket keeps; ARGV[2]: postings to add; ARGV[3]: postings
# to remove. The groups are read with one MGET, edited in Lua, and those edited written
# with one MSET (and one DEL for those left empty), a thousand keys a command: an
# article touches hundreds of groups, and a command from a script costs Redis more than
# the key it reads or writes. With a GET and a SET a group, 3,000 articles written 32 at
# a time went in at 0.75 times the rate (median of 4 rounds, both in each round).
# Returns how many additions were refused because their bucket was full (hot).
_EDIT = """
local function each(value, needle, visit)  -- every posting that starts with needle
  local at = string.find(value, needle, 1, true)
  while at do
    if (at - 1) % 7 == 0 then
      if visit(at) then return at end
      at = string.find(value, needle, at + 7, true)
    else
      at = string.find(value, needle, at + 1, true)
    end
  end
  return nil
end
local function key_index(packed, i)
  return string.byte(packed, i) * 256 + string.byte(packed, i + 1) + 1
end
local cap, cache, edited, order, refused = tonumber(ARGV[1]), {}, {}, {}, 0
for first = 1, #KEYS, 1000 do
  local last = math.min(first + 999, #KEYS)
  local values = redis.call('MGET', unpack(KEYS, first, last))
  for k = first, last do cache[k] = values[k - first + 1] or '' end
end
local function found(at) return true end
local function put(k, value)
  if not edited[k] then
    edited[k] = true
    order[#order + 1] = k
  end
  cache[k] = value
end
local adds, removes = ARGV[2], ARGV[3]
for i = 1, #adds, 9 do
  local k = key_index(adds, i)
  local value, posting = cache[k], string.sub(adds, i + 2, i + 8)
  if not each(value, posting, found) then
    local held = 0
    each(value, string.sub(posting, 1, 3), function(at) held = held + 1 end)
    if held >= cap then
      refused = refused + 1
    else
      put(k, value .. posting)
    end
  end
end
for i = 1, #removes, 9 do
  local k = key_index(removes, i)
  local value = cache[k]
  local at = each(value, string.sub(removes, i + 2, i + 8), found)
  if at then put(k, string.sub(value, 1, at - 1) .. string.sub(value, at + 7)) end
end
local sets, gone = {}, {}
for _, k in ipairs(order) do
  if #cache[k] == 0 then
    gone[#gone + 1] = KEYS[k]
  else
    sets[#sets + 1] = KEYS[k]
    sets[#sets + 1] = cache[k]
  end
end
for first = 1, #sets, 2000 do
  redis.call('MSET', unpack(sets, first, math.min(first + 1999, #sets)))
end
for first = 1, #gone, 1000 do
  redis.call('DEL', unpack(gone, first, math.min(first + 999, #gone)))
end
return refused
"""

Client = aioredis.Redis | RedisCluster


class _HiredisPacking:
    """Commands packed by hiredis (C) instead of redis-py's pure-Python packer, ten
    times faster on the long commands of lookups and edits (hundreds of keys each)."""

    def pack_command(self, *args: Any) -> list[bytes]:
        if isinstance(args[0], str) and " " in args[0]:  # "SCRIPT LOAD" is two words
            args = (*args[0].split(), *args[1:])
        return [hiredis.pack_command(args)]


class _Connection(_HiredisPacking, aioredis.Connection):
    pass


class _SSLConnection(_HiredisPacking, aioredis.SSLConnection):
    pass


def connect(url: str) -> Client:
    """A client for ``redis://``, ``rediss://``, ``redis+cluster://`` or ``rediss+cluster://``.

    A cluster URL names one or more seed nodes: ``redis+cluster://h1:7000,h2:7001``.
    """
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        return aioredis.Redis.from_url(
            url,
            socket_timeout=5,
            socket_connect_timeout=2,
            connection_class=_SSLConnection if parts.scheme == "rediss" else _Connection,
        )
    if parts.scheme in ("redis+cluster", "rediss+cluster"):
        nodes = [ClusterNode(host, port) for host, port in cluster_nodes(url)]
        return RedisCluster(
            startup_nodes=nodes,
            password=parts.password,
            username=parts.username,
            ssl=parts.scheme == "rediss+cluster",
            socket_timeout=5,
            socket_connect_timeout=2,
        )
    raise StoreError(f"not a Redis URL: {redact(url)}")


def cluster_nodes(url: str) -> list[tuple[str, int]]:
    """The seed nodes of a ``redis+cluster://h1:7000,h2:7001`` URL."""
    nodes = []
    for seed in urlsplit(url).netloc.rpartition("@")[2].split(","):
        host, _, port = seed.rpartition(":")
        if not host or not port.isdigit():
            raise StoreError(f"cluster node {seed!r} in {redact(url)} is not host:port")
        nodes.append((host.strip("[]"), int(port)))
    return nodes


def redact(url: str) -> str:
    """``url`` without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


@dataclass(frozen=True, slots=True)
class _Call:
    """One script call: the bucket groups it names, and a packed entry per band key."""

    keys: list[str]
    positions: npt.NDArray[np.intp]
    """Where each entry's band key stands in the list the call was planned from."""
    entries: npt.NDArray[np.uint8]
    """Per band key, one row: a 2-byte index into ``keys``, the 3-byte field, and the
    4-byte handle."""


def short_handle(article_id: str) -> int:
    """The 4-byte handle an article is posted under in Redis."""
    return handle_of(article_id) & _HANDLE_MASK


def _big_endian(values: npt.NDArray[np.uint64], width: int) -> npt.NDArray[np.uint8]:
    """The low ``width`` bytes of each value, big-endian, one row per value."""
    return values.astype(">u8").view(np.uint8).reshape(-1, 8)[:, 8 - width :]


Head = Callable[[Any], None]
"""Adds commands to a pipeline, to run in the same round trip as the bucket edits."""


class RedisStore:
    """An index in Redis or Redis Cluster (see the module docstring for the layout)."""

    def __init__(
        self,
        url: str,
        *,
        namespace: str,
        hot_bucket_cap: int,
        keys_of: KeysOf,
        retention: timedelta | None = None,
        group_bits: int = GROUP_BITS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 8 <= group_bits <= 32:
            raise StoreError(f"group_bits must be in [8, 32], got {group_bits}")
        self.url = redact(url)
        self.retention = retention
        self._client = connect(url)
        self._cluster = isinstance(self._client, RedisCluster)
        self._prefix = f"{namespace}s{group_bits}t{TAGS}:"
        self._shift = 64 - group_bits
        self._cap = hot_bucket_cap + 1  # one over the cap marks the bucket hot
        self._keys_of = keys_of
        self._clock = clock
        self._shas: dict[str, str] = {}
        self._slots = asyncio.Semaphore(MAX_CALLS)
        self._loading = asyncio.Lock()
        self._setting_up = asyncio.Lock()
        self._initialised = False

    # Keys -------------------------------------------------------------------------

    def _record_key(self, handle: int) -> str:
        return f"{self._prefix}a:{handle:08x}"

    def _group_key(self, group: int) -> str:
        return f"{self._prefix}b{{{group % TAGS:x}}}:{group:x}"

    def _plan(self, keys: Sequence[int], handle: int) -> list[_Call]:
        """Script calls covering ``keys``: one per hash tag on a cluster (a script runs
        on one slot), as few as possible on a single server; at most ``MAX_ENTRIES``
        keys each."""
        band = np.fromiter(keys, dtype=np.uint64, count=len(keys))
        groups = band >> np.uint64(self._shift)
        tags = groups % np.uint64(TAGS) if self._cluster else np.zeros_like(groups)
        order = np.lexsort((groups, tags))
        ordered = groups[order]  # by tag, then group: a group's keys lie together
        fresh = np.ones(len(order), dtype=bool)
        fresh[1:] = ordered[1:] != ordered[:-1]
        names, rank = ordered[fresh], np.cumsum(fresh) - 1
        entries = np.empty((len(order), 2 + _POSTING), dtype=np.uint8)
        entries[:, 2 : 2 + _FIELD_BYTES] = _big_endian(band[order], _FIELD_BYTES)
        entries[:, 2 + _FIELD_BYTES :] = np.frombuffer(
            handle.to_bytes(_HANDLE_BYTES, "big"), dtype=np.uint8
        )
        cuts = np.flatnonzero(np.diff(tags[order])) + 1
        calls = []
        for low, high in pairwise([0, *cuts.tolist(), len(order)]):
            for start in range(low, high, MAX_ENTRIES):
                end = min(start + MAX_ENTRIES, high)
                first, last = int(rank[start]), int(rank[end - 1])
                index = (rank[start:end] - first).astype(np.uint64)
                entries[start:end, :2] = _big_endian(index, 2)
                group_keys = [self._group_key(g) for g in names[first : last + 1].tolist()]
                calls.append(_Call(group_keys, order[start:end], entries[start:end]))
        return calls

    # Store ------------------------------------------------------------------------

    async def ping(self) -> None:
        await self._call(self._client.ping())

    async def close(self) -> None:
        await self._client.aclose()

    async def durability(self) -> str | None:
        """Why writes Redis acknowledges could be lost when it stops: no append-only
        file. None when it keeps one, or when it does not say (CONFIG refused)."""
        try:
            settings = await self._client.config_get("appendonly")
        except ResponseError:  # CONFIG renamed or refused, as managed services do
            return None
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"Redis at {self.url}: {error}") from error
        if str(settings.get("appendonly", "")).lower() != "no":
            return None
        return (
            f"Redis at {self.url} keeps no append-only file (appendonly no): the writes "
            "it acknowledged since its last snapshot are lost if it stops; set appendonly "
            "yes (appendfsync always to lose none when the machine fails)"
        )

    async def count(self) -> int:
        value = await self._call(self._client.get(f"{self._prefix}count"))
        return max(int(value or 0), 0)

    async def lookup(self, keys: Sequence[int]) -> dict[int, Sequence[str]]:
        """The handles posted under each of ``keys`` that has any.

        The groups holding the keys are read whole (``MGET``: one per hash tag on a
        cluster, whose commands must keep to one slot) and searched here: Redis does
        only hash lookups and copies, so one shared Redis thread serves many workers.
        """
        wanted = np.fromiter(dict.fromkeys(int(k) for k in keys), dtype=np.uint64)
        if wanted.shape[0] == 0:
            return {}
        groups, where = np.unique(wanted >> np.uint64(self._shift), return_inverse=True)
        tags = groups % np.uint64(TAGS) if self._cluster else np.zeros_like(groups)
        order = np.argsort(tags, kind="stable")  # the groups of a tag together
        position = np.empty_like(order)
        position[order] = np.arange(order.shape[0])
        cuts = np.flatnonzero(np.diff(tags[order])) + 1
        pipe = self._client.pipeline(transaction=False)
        for chunk in np.split(groups[order], cuts):
            pipe.execute_command("MGET", *[self._group_key(g) for g in chunk.tolist()])
        values = [value or b"" for reply in await self._call(pipe.execute()) for value in reply]
        return _postings_of(wanted, position[where], values, self._cap)

    async def fetch(self, handles: Sequence[str]) -> list[Stored]:
        names = list(dict.fromkeys(handles))
        if not names:
            return []
        pipe = self._client.pipeline(transaction=False)
        for name in names:
            pipe.hvals(self._record_key(int(name, 16)))
        replies = await self._call(pipe.execute())
        found = []
        for records in replies:
            for data in records:
                stored = decode_record(data)
                if self._live(stored):
                    found.append(stored)
        return found

    async def get(self, article_id: str) -> Stored | None:
        stored = await self._read(article_id)
        if stored is None or not self._live(stored):
            return None
        return stored

    async def upsert(
        self, article: Article, keys: Sequence[int], segments: Segments | None = None
    ) -> UpsertResult:
        handle = short_handle(article.id)
        old = await self._read(article.id)
        stored = Stored(article, datetime.fromtimestamp(self._clock(), UTC), segments)
        ends = expiry(stored, self.retention)
        if ends is not None and ends.timestamp() <= self._clock():
            existed = await self.delete(article.id)
            return UpsertResult(created=not existed, stored=False)
        new = list(dict.fromkeys(int(k) for k in keys))
        stale = [] if old is None else sorted(set(map(int, self._keys_of(old))) - set(new))

        def write_record(pipe: Any) -> None:
            pipe.hset(self._record_key(handle), article.id, encode_record(stored))
            if old is None:
                pipe.incr(f"{self._prefix}count")
            if ends is not None:
                # The earliest expiry among the handle's records: the sweep then finds
                # every one of them in time (it puts the later ones back).
                pipe.zadd(f"{self._prefix}expiry", {_name(handle): ends.timestamp()}, lt=True)

        refused = await self._edit(handle, new, stale, write_record)
        return UpsertResult(created=old is None, capped=refused)

    async def upsert_many(
        self, items: Sequence[tuple[Article, Sequence[int], Segments | None]]
    ) -> list[UpsertResult]:
        """Each upsert on its own (no cross-slot transactions), ``_BULK_CONCURRENCY`` in
        flight at a time."""
        gate = asyncio.Semaphore(_BULK_CONCURRENCY)

        async def one(item: tuple[Article, Sequence[int], Segments | None]) -> UpsertResult:
            async with gate:
                return await self.upsert(*item)

        return list(await asyncio.gather(*(one(item) for item in items)))

    async def delete(self, article_id: str) -> bool:
        old = await self._read(article_id)
        if old is None:
            return False
        await self._remove(old)
        return True

    async def _remove(self, old: Stored) -> None:
        """Delete a record and take its handle out of the buckets its text gave (an
        ``expiry`` entry is left to the sweep: another record may share the handle)."""
        handle = short_handle(old.article.id)

        def delete_record(pipe: Any) -> None:
            pipe.hdel(self._record_key(handle), old.article.id)
            pipe.decr(f"{self._prefix}count")

        await self._edit(handle, [], list(map(int, self._keys_of(old))), delete_record)

    async def purge_expired(self, limit: int = 1000) -> int:
        """Remove up to ``limit`` handles' records past the retention period; how many
        records went."""
        if self.retention is None:
            return 0
        due = await self._call(
            self._client.zrangebyscore(
                f"{self._prefix}expiry", "-inf", self._clock(), start=0, num=limit
            )
        )
        removed = 0
        for name in due:
            records = await self._call(self._client.hvals(self._record_key(int(name, 16))))
            later = []
            for data in records:
                stored = decode_record(data)
                ends = expiry(stored, self.retention)
                if self._live(stored) and ends is not None:
                    later.append(ends.timestamp())
                else:  # (an article re-indexed since its expiry was set is live)
                    await self._remove(stored)
                    removed += 1
            if later:
                await self._call(
                    self._client.zadd(f"{self._prefix}expiry", {name: min(later)}, xx=True)
                )
            else:
                await self._call(self._client.zrem(f"{self._prefix}expiry", name))
        return removed

    # Helpers ----------------------------------------------------------------------

    def _live(self, stored: Stored) -> bool:
        ends = expiry(stored, self.retention)
        return ends is None or ends.timestamp() > self._clock()

    async def _read(self, article_id: str) -> Stored | None:
        data = await self._call(
            self._client.hget(self._record_key(short_handle(article_id)), article_id)
        )
        return None if data is None else decode_record(data)

    async def _edit(
        self, handle: int, add: Sequence[int], remove: Sequence[int], head: Head | None = None
    ) -> int:
        """Post ``handle`` under ``add`` and take it out of ``remove``, after the commands
        ``head`` adds, in one pipeline. Returns the additions refused as hot."""
        calls = []
        for call in self._plan([*add, *remove], handle):
            adding = call.positions < len(add)
            adds, removes = call.entries[adding], call.entries[~adding]
            calls.append((call.keys, [self._cap, adds.tobytes(), removes.tobytes()]))
        replies = await self._scripts(_EDIT, calls, head)
        return sum(int(refused) for refused in replies)

    async def _scripts(
        self,
        script: str,
        calls: Sequence[tuple[list[str], list[Any]]],
        head: Head | None = None,
    ) -> list[Any]:
        """Run ``script`` once per call, after ``head``'s commands, in one pipeline; the
        script replies. A server that forgot the script (it restarted) gets it again and
        the script calls are retried; ``head``'s commands are not repeated."""
        pipe = self._client.pipeline(transaction=False)
        if head is not None:
            head(pipe)
        before = len(pipe)
        if not calls and not before:
            return []
        sha = await self._sha(script)
        for keys, args in calls:
            # ClusterPipeline blocks .evalsha(); the raw command routes by its keys.
            pipe.execute_command("EVALSHA", sha, len(keys), *keys, *args)
        replies = await self._call(pipe.execute(raise_on_error=False))
        _raise_first(replies[:before], self.url)
        tail = replies[before:]
        if any(isinstance(reply, NoScriptError) for reply in tail):
            self._shas.pop(script, None)
            sha = await self._sha(script)
            pipe = self._client.pipeline(transaction=False)
            for keys, args in calls:
                pipe.execute_command("EVALSHA", sha, len(keys), *keys, *args)
            tail = await self._call(pipe.execute(raise_on_error=False))
        _raise_first(tail, self.url)
        return list(tail)

    async def _initialise(self) -> None:
        # redis-py sets a cluster client up on its first commands; several first commands
        # at once set it up together and close each other's connections ("'NoneType'
        # object has no attribute 'writelines'"). One does it, the others wait.
        async with self._setting_up:
            if not self._initialised:
                await self._client.initialize()
                self._initialised = True

    async def _sha(self, script: str) -> str:
        if script in self._shas:
            return self._shas[script]
        # One load for the calls that all need it at once (the first burst of requests).
        async with self._loading:
            if script not in self._shas:
                self._shas[script] = str(await self._call(self._client.script_load(script)))
            return self._shas[script]

    async def _call(self, awaitable: Any) -> Any:
        try:
            if self._cluster and not self._initialised:
                await self._initialise()
            async with self._slots:
                return await awaitable
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"Redis at {self.url}: {error}") from error
        finally:
            if inspect.iscoroutine(awaitable):  # cancelled while waiting for a slot
                awaitable.close()


class _HotBucket(Sequence[str]):
    """A bucket over the cap, its handles named only when read: the matcher needs only
    its length (it is skipped, and its unit is common), and a lookup in a large index
    meets more handles in hot buckets than in all the others."""

    __slots__ = ("_handles",)

    def __init__(self, handles: npt.NDArray[np.uint32]) -> None:
        self._handles = handles

    def __len__(self) -> int:
        return int(self._handles.shape[0])

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return _names(self._handles[index])
        return _name(int(self._handles[index]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, as a list is

    def __repr__(self) -> str:
        return f"_HotBucket({_names(self._handles)!r})"


def _names(handles: npt.NDArray[np.uint32]) -> list[str]:
    """:func:`_name` of many handles at once (one split in C)."""
    if handles.shape[0] == 0:
        return []
    return handles.astype(">u4").tobytes().hex(" ", _HANDLE_BYTES).split(" ")


def _postings_of(
    wanted: npt.NDArray[np.uint64],
    group: npt.NDArray[np.intp],
    values: list[bytes],
    hot: int | None = None,
) -> dict[int, Sequence[str]]:
    """Search group strings for band keys: ``wanted[i]`` lies in ``values[group[i]]``;
    the handles of the postings whose field is the key's low 24 bits, in posting order.
    Buckets of at least ``hot`` postings (over the cap) come back as :class:`_HotBucket`.
    """
    whole = [value[: len(value) - len(value) % _POSTING] for value in values]
    counts = np.fromiter((len(v) // _POSTING for v in whole), dtype=np.int64, count=len(whole))
    rows = np.frombuffer(b"".join(whole), dtype=np.uint8).reshape(-1, _POSTING)
    if rows.shape[0] == 0:
        return {}
    fields = np.zeros(rows.shape[0], dtype=np.uint64)
    for column in range(_FIELD_BYTES):
        fields = (fields << np.uint64(8)) | rows[:, column]
    owner = np.repeat(np.arange(len(whole), dtype=np.intp), counts)
    codes = (owner.astype(np.uint64) << np.uint64(24)) | fields
    # Two keys may name one bucket (same group and field): each bucket is searched once.
    asked = (group.astype(np.uint64) << np.uint64(24)) | (wanted & np.uint64(0xFFFFFF))
    buckets, bucket_of = np.unique(asked, return_inverse=True)
    # The buckets asked of each group lie together in ``buckets`` (sorted by group, then
    # field), and a group is rarely asked for more than one: compare each posting with
    # its group's first bucket, then second, and so on, rather than a ``searchsorted``
    # of every posting among all the buckets (a lookup at a million paragraphs' group
    # sizes: 2.37 against 2.77 ms in one process).
    first = np.searchsorted(buckets >> np.uint64(24), np.arange(len(whole), dtype=np.uint64))
    asked_of = np.diff(first, append=buckets.shape[0])[owner]
    start = first[owner]
    slot = np.full(rows.shape[0], -1, dtype=np.intp)
    for nth in range(int(asked_of.max(initial=0))):
        here = np.minimum(start + nth, buckets.shape[0] - 1)
        same = (nth < asked_of) & (buckets[here] == codes)
        slot[same] = here[same]
    found = np.flatnonzero(slot >= 0)
    if found.shape[0] == 0:
        return {}
    found = found[np.argsort(slot[found], kind="stable")]  # by bucket, in posting order
    sizes = np.bincount(slot[found], minlength=buckets.shape[0])
    ends = np.cumsum(sizes)
    handles = np.ascontiguousarray(rows[found, _FIELD_BYTES:]).view(">u4").ravel()
    is_hot = np.zeros(buckets.shape[0], dtype=bool) if hot is None else sizes >= hot
    lazy = {
        int(b): _HotBucket(handles[end - size : end].astype(np.uint32))
        for b, size, end in zip(
            np.flatnonzero(is_hot).tolist(),
            sizes[is_hot].tolist(),
            ends[is_hot].tolist(),
            strict=True,
        )
    }
    # Name the handles of the other buckets, all at once: a lookup in an index of a
    # million paragraphs finds tens of thousands of postings, and a split in C names
    # them 2.4 times as fast as slicing a hex string in Python (60,000 postings).
    named_rows = np.flatnonzero(~np.repeat(is_hot, sizes))
    distinct, which = np.unique(handles[named_rows], return_inverse=True)
    named: list[str] = np.array(_names(distinct), dtype=object)[which].tolist()
    # Where each bucket's names start in ``named`` (hot buckets hold none there).
    named_ends = np.cumsum(np.where(is_hot, 0, sizes))
    hit = np.flatnonzero(sizes[bucket_of] > 0)
    size_of, end_of = sizes.tolist(), named_ends.tolist()
    out: dict[int, Sequence[str]] = {}
    for key, bucket in zip(wanted[hit].tolist(), bucket_of[hit].tolist(), strict=True):
        hot_bucket = lazy.get(bucket)
        if hot_bucket is not None:
            out[key] = hot_bucket
        else:
            end = end_of[bucket]
            out[key] = named[end - size_of[bucket] : end]
    return out


def _name(handle: int) -> str:
    return f"{handle:08x}"


def _raise_first(replies: Sequence[Any], url: str) -> None:
    """Raise the first error among a pipeline's replies (as ``StoreUnavailable``)."""
    for reply in replies:
        if isinstance(reply, NoScriptError):
            raise StoreUnavailable(f"Redis at {url} keeps losing its scripts")
        if isinstance(reply, (RedisError, OSError)):
            raise StoreUnavailable(f"Redis at {url}: {reply}") from reply
