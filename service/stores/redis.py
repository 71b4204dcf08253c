"""The production store: Redis standalone or Redis Cluster, through async redis-py.

Layout, under ``{namespace}:{fingerprint}:`` (the fingerprint of the parameters that
shape band keys, and of the bucket grouping, so two configurations never mix):

- ``a:{handle}``  the article record, compact JSON (never pickle);
- ``b:{group}``   a hash holding many buckets: the field is the low 48 bits of a band
  key (6 bytes), the value the 8-byte handles posted under it, concatenated. Grouping
  buckets into small hashes lets Redis keep them in its compact listpack encoding,
  about 20 bytes per posting instead of about 100 for a set per bucket;
- ``expiry``      with retention only: a sorted set of handles by expiry time;
- ``count``       how many articles are stored (approximate after a crash).

Round trips: a lookup is one pipeline of ``HMGET`` (one per group); a fetch one
pipeline of ``GET``; an upsert two (read the old record; then write the record and the
buckets); a delete two. Redis Cluster pipelines split by node and run in parallel.

No cross-slot transactions. Each bucket group is edited by a Lua script on that one
key, so concurrent writers never lose each other's postings, and writes are
idempotent. The record is written before the buckets and deleted before them, so a
writer that dies halfway leaves either postings without a record (ignored by readers)
or a record with some postings missing (found through the others, or not at all);
every match is verified against the record's text, so no reader reports what is not
there.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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
"""Bucket groups: 2**20 hashes, about 40 postings each at a million paragraphs."""

_FIELD_MASK = (1 << 48) - 1

# KEYS[1]: a bucket group. ARGV[1]: the handle (8 bytes); ARGV[2]: the most handles a
# bucket keeps; ARGV[3]: how many fields to add, which follow; then fields to remove.
# Returns how many additions were refused because the bucket was full (hot).
_EDIT = """
local handle, cap, adds = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local function find(value)
  for i = 1, #value, 8 do
    if string.sub(value, i, i + 7) == handle then return i end
  end
  return nil
end
local refused = 0
for i = 4, 3 + adds do
  local value = redis.call('HGET', KEYS[1], ARGV[i])
  if not value then
    redis.call('HSET', KEYS[1], ARGV[i], handle)
  elseif not find(value) then
    if #value >= cap * 8 then
      refused = refused + 1
    else
      redis.call('HSET', KEYS[1], ARGV[i], value .. handle)
    end
  end
end
for i = 4 + adds, #ARGV do
  local value = redis.call('HGET', KEYS[1], ARGV[i])
  if value then
    local at = find(value)
    if at then
      local rest = string.sub(value, 1, at - 1) .. string.sub(value, at + 8)
      if #rest == 0 then
        redis.call('HDEL', KEYS[1], ARGV[i])
      else
        redis.call('HSET', KEYS[1], ARGV[i], rest)
      end
    end
  end
end
return refused
"""

Client = aioredis.Redis | RedisCluster


def connect(url: str) -> Client:
    """A client for ``redis://``, ``rediss://``, ``redis+cluster://`` or ``rediss+cluster://``.

    A cluster URL names one or more seed nodes: ``redis+cluster://h1:7000,h2:7001``.
    """
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        return aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
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
        if not 1 <= group_bits <= 32:
            raise StoreError(f"group_bits must be in [1, 32], got {group_bits}")
        self.url = redact(url)
        self.retention = retention
        self._client = connect(url)
        self._prefix = f"{namespace}g{group_bits}:"
        self._shift = 64 - group_bits
        self._cap = hot_bucket_cap + 1  # one over the cap marks the bucket hot
        self._keys_of = keys_of
        self._clock = clock
        self._script_sha: str | None = None

    # Keys -------------------------------------------------------------------------

    def _record_key(self, handle: int) -> str:
        return f"{self._prefix}a:{handle:016x}"

    def _group_key(self, group: int) -> str:
        return f"{self._prefix}b:{group:x}"

    def _split(self, key: int) -> tuple[int, bytes]:
        return key >> self._shift, (key & _FIELD_MASK).to_bytes(6, "big")

    # Store ------------------------------------------------------------------------

    async def ping(self) -> None:
        await self._call(self._client.ping())

    async def close(self) -> None:
        await self._client.aclose()

    async def count(self) -> int:
        value = await self._call(self._client.get(f"{self._prefix}count"))
        return max(int(value or 0), 0)

    async def lookup(self, keys: Sequence[int]) -> dict[int, list[str]]:
        groups: dict[int, list[tuple[int, bytes]]] = defaultdict(list)
        for key in dict.fromkeys(int(k) for k in keys):
            group, field = self._split(key)
            groups[group].append((key, field))
        if not groups:
            return {}
        pipe = self._client.pipeline(transaction=False)
        order = list(groups.items())
        for group, wanted in order:
            pipe.hmget(self._group_key(group), [field for _, field in wanted])
        replies = await self._call(pipe.execute())
        found: dict[int, list[str]] = {}
        for (_, wanted), values in zip(order, replies, strict=True):
            for (key, _), value in zip(wanted, values, strict=True):
                if value:
                    found[key] = [value[i : i + 8].hex() for i in range(0, len(value), 8)]
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
        record = self._client.pipeline(transaction=False)
        record.set(self._record_key(handle), encode_record(stored))
        if old is None:
            record.incr(f"{self._prefix}count")
        if ends is not None:
            record.zadd(f"{self._prefix}expiry", {handle_name(handle): ends.timestamp()})
        await self._call(record.execute())
        refused = await self._edit(handle, new, stale)
        return UpsertResult(created=old is None, capped=refused)

    async def delete(self, article_id: str) -> bool:
        handle = handle_of(article_id)
        old = await self._read(handle)
        if old is None or old.article.id != article_id:
            return False
        await self._remove(handle, old)
        return True

    async def _remove(self, handle: int, old: Stored) -> None:
        """Delete a record, then take its handle out of the buckets its text gave."""
        record = self._client.pipeline(transaction=False)
        record.delete(self._record_key(handle))
        record.decr(f"{self._prefix}count")
        if self.retention is not None:
            record.zrem(f"{self._prefix}expiry", handle_name(handle))
        await self._call(record.execute())
        await self._edit(handle, [], list(map(int, self._keys_of(old.article))))

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

    async def _edit(self, handle: int, add: Sequence[int], remove: Sequence[int]) -> int:
        """Post ``handle`` under ``add`` and take it out of ``remove``: one pipeline of
        one script call per bucket group touched. Returns the additions refused as hot.
        """
        adds: dict[int, list[bytes]] = defaultdict(list)
        removes: dict[int, list[bytes]] = defaultdict(list)
        for key in add:
            group, field = self._split(key)
            adds[group].append(field)
        for key in remove:
            group, field = self._split(key)
            removes[group].append(field)
        groups = sorted(adds.keys() | removes.keys())
        if not groups:
            return 0
        raw = handle.to_bytes(8, "big")
        for attempt in (1, 2):
            if self._script_sha is None:
                self._script_sha = str(await self._call(self._client.script_load(_EDIT)))
            pipe = self._client.pipeline(transaction=False)
            for group in groups:
                args: list[bytes | int] = [raw, self._cap, len(adds[group])]
                args += [*adds[group], *removes[group]]
                # ClusterPipeline blocks .evalsha(); the raw command routes by its key.
                pipe.execute_command("EVALSHA", self._script_sha, 1, self._group_key(group), *args)
            try:
                replies = await self._call(pipe.execute())
            except NoScriptError:  # the server restarted and forgot its scripts
                self._script_sha = None
                if attempt == 2:
                    raise StoreUnavailable(f"Redis at {self.url} keeps losing scripts") from None
                continue
            return sum(int(r) for r in replies)
        return 0

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except NoScriptError:
            raise
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"Redis at {self.url}: {error}") from error
