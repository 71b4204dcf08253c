"""The production store: Redis standalone or Redis Cluster, through async redis-py.

Layout, under ``{namespace}:{fingerprint}:g{bits}t{tags}:`` (the fingerprint of the
parameters that shape band keys, and the bucket grouping, so two layouts never mix):

- ``a:{handle}``       the article record, compact JSON (never pickle);
- ``b{tag}:{group}``   a hash holding many buckets: the field is the low 32 bits of a
  band key (4 bytes), the value the 8-byte handles posted under it, concatenated. The
  group is the key's high 20 bits, so a bucket is named by 52 bits of its key. Grouping
  buckets into small hashes lets Redis keep them in its compact listpack encoding, about
  16 bytes per posting instead of about 100 for a set per bucket. The hash tag
  ``{group % 128}`` puts many groups in one cluster slot, so one script call can read or
  edit all of them;
- ``expiry``           with retention only: a sorted set of handles by expiry time;
- ``count``            how many articles are stored (approximate after a crash).

Round trips: a lookup is one pipeline of read-only script calls (one call on a single
server, one per tag touched on a cluster); a fetch one pipeline of ``GET``; an upsert two
(read the old record; then write the record and edit the buckets in one pipeline); a
delete two. Redis Cluster pipelines split by node and run in parallel.

No cross-slot transactions, and every script names the keys it touches. The bucket edit
script appends a handle only if absent and removes it only if present, so concurrent
writers never lose each other's postings and writes are idempotent. A writer that dies
halfway leaves either postings without a record (ignored by readers) or a record with
some postings missing or stale (found through the others, or not at all); every match
is verified against the record's text, so no reader reports what is not there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import hiredis
import numpy as np
import numpy.typing as npt
import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import NoScriptError, RedisError

from detector.model import Article
from service.stores.base import (
    Stored,
    StoreError,
    StoreUnavailable,
    UpsertResult,
    decode_record,
    encode_record,
    expiry,
    handle_name,
    handle_of,
)

KeysOf = Callable[[Article], Sequence[int]]
"""The band keys an article is posted under (the service passes the engine's)."""

GROUP_BITS = 20
"""Bucket groups: 2**20 hashes, about 60 postings each at a million paragraphs."""

TAGS = 128
"""Groups carry one of this many hash tags, so that one script call can edit or read
every group of a tag (Redis Cluster runs a script only on keys of one slot)."""

MAX_ENTRIES = 4096
"""Postings per script call: bounds how long one call holds Redis (a few ms)."""

_FIELD_BYTES = 4
_FIELD_MASK = (1 << 8 * _FIELD_BYTES) - 1

# Both scripts read records packed in ARGV: a 2-byte index into KEYS (big-endian), then a
# 4-byte field (the low 32 bits of a band key), then for edits the 8-byte handle.
_LOOKUP = """
local wanted, out = ARGV[1], {}
for i = 1, #wanted, 6 do
  local key = KEYS[string.byte(wanted, i) * 256 + string.byte(wanted, i + 1) + 1]
  out[#out + 1] = redis.call('HGET', key, string.sub(wanted, i + 2, i + 5)) or false
end
return out
"""

# ARGV[1]: the most handles a bucket keeps; ARGV[2]: postings to add; ARGV[3]: postings
# to remove. Returns the handles refused because their bucket was full (hot), once per
# refusal.
_EDIT = """
local cap = tonumber(ARGV[1])
local function find(value, handle)
  local at = string.find(value, handle, 1, true)
  while at and (at - 1) % 8 ~= 0 do  -- a match across two handles: look further
    at = string.find(value, handle, at + 1, true)
  end
  return at
end
local refused = {}
local adds, removes = ARGV[2], ARGV[3]
for i = 1, #adds, 14 do
  local key = KEYS[string.byte(adds, i) * 256 + string.byte(adds, i + 1) + 1]
  local field, handle = string.sub(adds, i + 2, i + 5), string.sub(adds, i + 6, i + 13)
  if redis.call('HSETNX', key, field, handle) == 0 then
    local value = redis.call('HGET', key, field)
    if not find(value, handle) then
      if #value >= cap * 8 then
        refused[#refused + 1] = handle
      else
        redis.call('HSET', key, field, value .. handle)
      end
    end
  end
end
for i = 1, #removes, 14 do
  local key = KEYS[string.byte(removes, i) * 256 + string.byte(removes, i + 1) + 1]
  local field, handle = string.sub(removes, i + 2, i + 5), string.sub(removes, i + 6, i + 13)
  local value = redis.call('HGET', key, field)
  if value then
    local at = find(value, handle)
    if at then
      local rest = string.sub(value, 1, at - 1) .. string.sub(value, at + 8)
      if #rest == 0 then
        redis.call('HDEL', key, field)
      else
        redis.call('HSET', key, field, rest)
      end
    end
  end
end
return refused
"""

Client = aioredis.Redis | RedisCluster


class _HiredisPacking:
    """Commands packed by hiredis (C) instead of redis-py's pure-Python packer, ten
    times faster on the long script calls of a lookup (hundreds of keys each)."""

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
    """One script call: the bucket groups it names, and a packed record per band key."""

    keys: list[str]
    positions: npt.NDArray[np.intp]
    """Where each record's band key stands in the list the call was planned from."""
    records: npt.NDArray[np.void]
    """Per band key: a 2-byte index into ``keys``, the 4-byte field, and the 8-byte
    handle when one was given."""


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
        self._prefix = f"{namespace}g{group_bits}t{TAGS}:"
        self._shift = 64 - group_bits
        self._cap = hot_bucket_cap + 1  # one over the cap marks the bucket hot
        self._keys_of = keys_of
        self._clock = clock
        self._shas: dict[str, str] = {}

    # Keys -------------------------------------------------------------------------

    def _record_key(self, handle: int) -> str:
        return f"{self._prefix}a:{handle:016x}"

    def _group_key(self, group: int) -> str:
        return f"{self._prefix}b{{{group % TAGS:x}}}:{group:x}"

    def _plan(self, keys: Sequence[int], handle: int | None = None) -> list[_Call]:
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
        fields = [("index", ">u2"), ("field", ">u4")]
        records = np.empty(len(order), dtype=[*fields, ("handle", "S8")] if handle else fields)
        records["field"] = band[order] & np.uint64(_FIELD_MASK)
        if handle is not None:
            records["handle"] = handle.to_bytes(8, "big")
        cuts = np.flatnonzero(np.diff(tags[order])) + 1
        calls = []
        for low, high in pairwise([0, *cuts.tolist(), len(order)]):
            for start in range(low, high, MAX_ENTRIES):
                end = min(start + MAX_ENTRIES, high)
                first, last = int(rank[start]), int(rank[end - 1])
                records["index"][start:end] = rank[start:end] - first
                group_keys = [self._group_key(g) for g in names[first : last + 1].tolist()]
                calls.append(_Call(group_keys, order[start:end], records[start:end]))
        return calls

    # Store ------------------------------------------------------------------------

    async def ping(self) -> None:
        await self._call(self._client.ping())

    async def close(self) -> None:
        await self._client.aclose()

    async def count(self) -> int:
        value = await self._call(self._client.get(f"{self._prefix}count"))
        return max(int(value or 0), 0)

    async def lookup(self, keys: Sequence[int]) -> dict[int, list[str]]:
        wanted = list(dict.fromkeys(int(k) for k in keys))
        calls = self._plan(wanted)
        replies = await self._scripts(_LOOKUP, [(c.keys, [c.records.tobytes()]) for c in calls])
        found: dict[int, list[str]] = {}
        for call, values in zip(calls, replies, strict=True):
            for position, value in zip(call.positions.tolist(), values, strict=True):
                if value:
                    found[wanted[position]] = [
                        value[i : i + 8].hex() for i in range(0, len(value), 8)
                    ]
        return found

    async def fetch(self, handles: Sequence[str]) -> dict[str, Article]:
        names = list(dict.fromkeys(handles))
        if not names:
            return {}
        pipe = self._client.pipeline(transaction=False)
        for name in names:
            pipe.get(self._record_key(int(name, 16)))
        replies = await self._call(pipe.execute())
        found = {}
        for name, data in zip(names, replies, strict=True):
            if data is not None:
                stored = decode_record(data)
                if self._live(stored):
                    found[name] = stored.article
        return found

    async def get(self, article_id: str) -> Stored | None:
        stored = await self._read(handle_of(article_id))
        if stored is None or stored.article.id != article_id or not self._live(stored):
            return None
        return stored

    async def upsert(self, article: Article, keys: Sequence[int]) -> UpsertResult:
        handle = handle_of(article.id)
        old = await self._read(handle)
        if old is not None and old.article.id != article.id:
            raise StoreError(
                f"ids {old.article.id!r} and {article.id!r} hash to the same handle; "
                "rename one of them"
            )
        stored = Stored(article, datetime.fromtimestamp(self._clock(), UTC))
        ends = expiry(stored, self.retention)
        if ends is not None and ends.timestamp() <= self._clock():
            existed = await self.delete(article.id)
            return UpsertResult(created=not existed, stored=False)
        new = list(dict.fromkeys(int(k) for k in keys))
        stale = [] if old is None else sorted(set(map(int, self._keys_of(old.article))) - set(new))

        def write_record(pipe: Any) -> None:
            pipe.set(self._record_key(handle), encode_record(stored))
            if old is None:
                pipe.incr(f"{self._prefix}count")
            if ends is not None:
                pipe.zadd(f"{self._prefix}expiry", {handle_name(handle): ends.timestamp()})

        refused = await self._edit(handle, new, stale, write_record)
        return UpsertResult(created=old is None, capped=refused)

    async def delete(self, article_id: str) -> bool:
        handle = handle_of(article_id)
        old = await self._read(handle)
        if old is None or old.article.id != article_id:
            return False
        await self._remove(handle, old)
        return True

    async def _remove(self, handle: int, old: Stored) -> None:
        """Delete a record and take its handle out of the buckets its text gave."""

        def delete_record(pipe: Any) -> None:
            pipe.delete(self._record_key(handle))
            pipe.decr(f"{self._prefix}count")
            if self.retention is not None:
                pipe.zrem(f"{self._prefix}expiry", handle_name(handle))

        await self._edit(handle, [], list(map(int, self._keys_of(old.article))), delete_record)

    async def purge_expired(self, limit: int = 1000) -> int:
        """Remove up to ``limit`` articles past the retention period; how many went."""
        if self.retention is None:
            return 0
        due = await self._call(
            self._client.zrangebyscore(
                f"{self._prefix}expiry", "-inf", self._clock(), start=0, num=limit
            )
        )
        removed = 0
        for name in due:
            handle = int(name, 16)
            stored = await self._read(handle)
            if stored is None:  # deleted by a writer that died before its zrem
                await self._call(self._client.zrem(f"{self._prefix}expiry", name))
            elif not self._live(stored):  # (a live one was re-indexed since)
                await self._remove(handle, stored)
                removed += 1
        return removed

    # Helpers ----------------------------------------------------------------------

    def _live(self, stored: Stored) -> bool:
        ends = expiry(stored, self.retention)
        return ends is None or ends.timestamp() > self._clock()

    async def _read(self, handle: int) -> Stored | None:
        data = await self._call(self._client.get(self._record_key(handle)))
        return None if data is None else decode_record(data)

    async def _edit(
        self, handle: int, add: Sequence[int], remove: Sequence[int], head: Head | None = None
    ) -> int:
        """Post ``handle`` under ``add`` and take it out of ``remove``, after the commands
        ``head`` adds, in one pipeline. Returns the additions refused as hot."""
        calls = []
        for call in self._plan([*add, *remove], handle):
            adding = call.positions < len(add)
            adds, removes = call.records[adding], call.records[~adding]
            calls.append((call.keys, [self._cap, adds.tobytes(), removes.tobytes()]))
        replies = await self._scripts(_EDIT, calls, head)
        return sum(len(refused) for refused in replies)

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

    async def _sha(self, script: str) -> str:
        if script not in self._shas:
            self._shas[script] = str(await self._call(self._client.script_load(script)))
        return self._shas[script]

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"Redis at {self.url}: {error}") from error


def _raise_first(replies: Sequence[Any], url: str) -> None:
    """Raise the first error among a pipeline's replies (as ``StoreUnavailable``)."""
    for reply in replies:
        if isinstance(reply, NoScriptError):
            raise StoreUnavailable(f"Redis at {url} keeps losing its scripts")
        if isinstance(reply, (RedisError, OSError)):
            raise StoreUnavailable(f"Redis at {url}: {reply}") from reply
