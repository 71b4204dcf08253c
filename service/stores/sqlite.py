"""The embedded default store: one SQLite file in WAL mode.

Tables are suffixed with the namespace (parameter fingerprint), so one file can hold
indexes built with different parameters without mixing them. Every write is one
transaction, committed with ``synchronous=FULL`` before the service acknowledges it.
SQLite calls run on one dedicated thread so that the event loop never waits on disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

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
    handle_name,
    handle_of,
)

T = TypeVar("T")
_CHUNK = 500
"""Parameters per ``IN (...)`` list, under SQLite's default limit."""
_Item = tuple[Article, bytes, datetime | None, list[int], float]
"""An upsert ready to write: the article, its encoded record, when it expires, its
distinct band keys (signed) and the time it was asked for."""
_GROUP = 256
"""Upserts committed together at most (see ``SQLiteStore._commit_queued``)."""
_CACHE_KIB = 256 * 1024
"""SQLite's page cache per connection (its default is 2 MiB). Every upsert touches a few
hundred pages at random places of the postings tree, and a transaction of many keeps
them all dirty: with 256 MiB a batched load of 20,000 articles ran 1.5 times as fast
(docs/service.md). Pages are taken as they are read, so a small index
uses little of it."""


def _signed(value: int) -> int:
    """A uint64 as the signed 64-bit integer SQLite stores."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


class SQLiteStore:
    """An index in a SQLite file.

    >>> import asyncio, tempfile
    >>> async def demo(path):
    ...     store = SQLiteStore(path, namespace="ns", hot_bucket_cap=10)
    ...     await store.upsert(Article("a", "text"), [1, 2])
    ...     found = await store.lookup([2, 3])
    ...     await store.close()
    ...     return {k: len(v) for k, v in found.items()}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     asyncio.run(demo(folder + "/index.db"))
    {2: 1}
    """

    def __init__(
        self,
        path: str | Path,
        *,
        namespace: str,
        hot_bucket_cap: int,
        retention: timedelta | None = None,
        clock: Callable[[], float] = time.time,
        lock_wait: float = 10.0,
    ) -> None:
        self.path = Path(path)
        self._lock_wait_ms = int(lock_wait * 1000)
        self.url = f"sqlite:///{self.path}"
        self.retention = retention
        self._cap = hot_bucket_cap
        self._clock = clock
        suffix = "".join(c if c.isalnum() else "_" for c in namespace)
        self._articles = f"articles_{suffix}"
        self._postings = f"postings_{suffix}"
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="redite-sqlite")
        self._db: sqlite3.Connection | None = None
        self._queued: list[tuple[_Item, asyncio.Future[UpsertResult]]] = []
        self._committer: asyncio.Task[None] | None = None
        self._closing = False

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._call, work)
        except RuntimeError as error:
            if self._closing:  # the executor is shut down
                raise self._closed() from error
            raise

    def _closed(self) -> StoreUnavailable:
        return StoreUnavailable(f"SQLite index {self.path}: the store is closed")

    def _call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            if self._db is None:
                self._db = self._open()
            return work(self._db)
        except sqlite3.Error as error:
            raise StoreUnavailable(f"SQLite index {self.path}: {error}") from error

    def _open(self) -> sqlite3.Connection:
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(f"cannot create the index {self.path}: its folder does not exist")
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout = {self._lock_wait_ms}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {self._articles} ("
            "handle INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
            "record BLOB NOT NULL, expires_at REAL, keys BLOB)"
        )
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {self._postings} ("
            "key INTEGER NOT NULL, handle INTEGER NOT NULL, PRIMARY KEY (key, handle)"
            ") WITHOUT ROWID"
        )
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({self._articles})")}
        if "keys" not in columns:
            # A file from before the keys column: its rows keep finding their postings
            # through the index on handle it has (see _remove_postings).
            db.execute(f"ALTER TABLE {self._articles} ADD COLUMN keys BLOB")
        return db

    async def ping(self) -> None:
        await self._run(lambda db: db.execute("SELECT 1").fetchone())

    async def durability(self) -> str | None:
        """None: every write is committed with ``synchronous=FULL`` before it is
        acknowledged."""
        return None

    async def close(self) -> None:
        def close(db: sqlite3.Connection) -> None:
            db.close()
            self._db = None

        self._closing = True  # upserts from now on are refused
        if self._committer is not None:  # the upserts still queued are committed first
            await asyncio.gather(self._committer, return_exceptions=True)
        if self._db is not None:
            await self._run(close)
        self._executor.shutdown(wait=True)

    async def count(self) -> int:
        row = await self._run(
            lambda db: db.execute(f"SELECT COUNT(*) FROM {self._articles}").fetchone()
        )
        return int(row[0])

    async def lookup(self, keys: Sequence[int]) -> dict[int, list[str]]:
        def lookup(db: sqlite3.Connection) -> dict[int, list[str]]:
            found: dict[int, list[str]] = defaultdict(list)
            for chunk in _chunks([_signed(int(k)) for k in dict.fromkeys(keys)]):
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT key, handle FROM {self._postings} WHERE key IN ({marks})", chunk
                )
                for key, handle in rows:
                    found[_unsigned(key)].append(handle_name(_unsigned(handle)))
            return dict(found)

        return await self._run(lookup)

    async def fetch(self, handles: Sequence[str]) -> list[Stored]:
        now = self._clock()

        def fetch(db: sqlite3.Connection) -> list[Stored]:
            found: dict[int, Stored] = {}
            wanted = [_signed(int(h, 16)) for h in dict.fromkeys(handles)]
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT handle, record FROM {self._articles} WHERE handle IN ({marks}) "
                    "AND (expires_at IS NULL OR expires_at > ?)",
                    [*chunk, now],
                )
                for handle, record in rows:
                    found[handle] = decode_record(record)
            return [found[h] for h in wanted if h in found]

        return await self._run(fetch)

    async def get(self, article_id: str) -> Stored | None:
        now = self._clock()
        row = await self._run(
            lambda db: db.execute(
                f"SELECT record FROM {self._articles} WHERE id = ? "
                "AND (expires_at IS NULL OR expires_at > ?)",
                (article_id, now),
            ).fetchone()
        )
        return None if row is None else decode_record(row[0])

    async def upsert(
        self, article: Article, keys: Sequence[int], segments: Segments | None = None
    ) -> UpsertResult:
        """Queue the upsert for the next commit and wait for that commit (see
        :meth:`_commit_queued`)."""
        if self._closing:
            raise self._closed()
        now = self._clock()
        stored = Stored(article, datetime.fromtimestamp(now, UTC), segments)
        ends = expiry(stored, self.retention)
        unique = [_signed(int(k)) for k in dict.fromkeys(keys)]
        done: asyncio.Future[UpsertResult] = asyncio.get_running_loop().create_future()
        self._queued.append(((article, encode_record(stored), ends, unique, now), done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        return await done

    async def upsert_many(
        self, items: Sequence[tuple[Article, Sequence[int], Segments | None]]
    ) -> list[UpsertResult]:
        """Every upsert queued at once, so that they share commits."""
        return list(await asyncio.gather(*(self.upsert(*item) for item in items)))

    async def _commit_queued(self) -> None:
        """Group commit: the upserts queued while the last commit ran go into the next
        transaction together (up to ``_GROUP`` of them); an article refused (a handle
        clash, found before anything is written) leaves the others in. Each caller
        hears once the transaction holding its upsert is committed: one flush to disk for
        all of them, where an upsert alone pays one each."""
        while self._queued:
            group, self._queued = self._queued[:_GROUP], self._queued[_GROUP:]
            write = partial(self._write_group, [item for item, _ in group])
            try:
                outcomes = await self._run(write)
            except Exception as error:  # the transaction failed: none of them is in
                for _, done in group:
                    if not done.done():
                        done.set_exception(error)
                continue
            for (_, done), outcome in zip(group, outcomes, strict=True):
                if done.done():  # its caller went away
                    continue
                if isinstance(outcome, StoreError):
                    done.set_exception(outcome)
                else:
                    done.set_result(outcome)

    def _write_group(
        self, items: list[_Item], db: sqlite3.Connection
    ) -> list[UpsertResult | StoreError]:
        outcomes: list[UpsertResult | StoreError] = []
        with _transaction(db):
            for item in items:
                try:
                    outcomes.append(self._upsert(db, item))
                except StoreError as error:  # raised before the upsert writes anything
                    outcomes.append(error)
        return outcomes

    def _upsert(self, db: sqlite3.Connection, item: _Item) -> UpsertResult:
        article, record, ends, unique, now = item
        handle = _signed(handle_of(article.id))
        row = db.execute(
            f"SELECT id, keys FROM {self._articles} WHERE handle = ?", (handle,)
        ).fetchone()
        if row is not None and row[0] != article.id:
            raise StoreError(
                f"ids {row[0]!r} and {article.id!r} hash to the same handle; rename one of them"
            )
        if row is not None:
            self._remove_postings(db, handle, row[1])
        if ends is not None and ends.timestamp() <= now:  # already past retention
            db.execute(f"DELETE FROM {self._articles} WHERE handle = ?", (handle,))
            return UpsertResult(created=row is None, stored=False)
        before = db.total_changes
        db.executemany(
            f"INSERT INTO {self._postings} (key, handle) SELECT ?, ? WHERE "
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM {self._postings} WHERE key = ? "
            "LIMIT ?)) <= ?",
            ((key, handle, key, self._cap + 1, self._cap) for key in unique),
        )
        inserted = db.total_changes - before
        db.execute(
            f"INSERT OR REPLACE INTO {self._articles} (handle, id, record, expires_at, keys) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                handle,
                article.id,
                record,
                None if ends is None else ends.timestamp(),
                np.array(unique, dtype="<i8").tobytes(),
            ),
        )
        return UpsertResult(created=row is None, capped=len(unique) - inserted)

    def _remove_postings(self, db: sqlite3.Connection, handle: int, keys: bytes | None) -> None:
        """Delete a handle's postings, by the keys its row lists: each a lookup of the
        primary key, so that no index on handle has to be kept up to date."""
        if keys is None:  # a row written before the keys column (its file has the index)
            db.execute(f"DELETE FROM {self._postings} WHERE handle = ?", (handle,))
            return
        db.executemany(
            f"DELETE FROM {self._postings} WHERE key = ? AND handle = ?",
            ((key, handle) for key in np.frombuffer(keys, dtype="<i8").tolist()),
        )

    async def delete(self, article_id: str) -> bool:
        handle = _signed(handle_of(article_id))

        def delete(db: sqlite3.Connection) -> bool:
            with _transaction(db):
                row = db.execute(
                    f"SELECT keys FROM {self._articles} WHERE handle = ? AND id = ?",
                    (handle, article_id),
                ).fetchone()
                if row is None:
                    return False
                self._remove_postings(db, handle, row[0])
                db.execute(f"DELETE FROM {self._articles} WHERE handle = ?", (handle,))
            return True

        return await self._run(delete)

    async def purge_expired(self) -> int:
        """Remove the articles past the retention period; how many were removed."""
        now = self._clock()

        def purge(db: sqlite3.Connection) -> int:
            with _transaction(db):
                expired = db.execute(
                    f"SELECT handle, keys FROM {self._articles} "
                    "WHERE expires_at IS NOT NULL AND expires_at <= ?",
                    (now,),
                ).fetchall()
                for handle, keys in expired:
                    self._remove_postings(db, handle, keys)
                db.executemany(
                    f"DELETE FROM {self._articles} WHERE handle = ?",
                    ((handle,) for handle, _ in expired),
                )
            return len(expired)

        return await self._run(purge)


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken at once (no upgrade deadlock between writers)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _chunks(values: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
