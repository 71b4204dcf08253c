"""One contract for every store: SQLite, Redis standalone and a real 3-node Redis Cluster."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis

from detector.config import DetectorConfig
from detector.matcher import index_keys
from detector.model import Article
from detector.prepare import prepare, prepare_batch
from service.matching import match, upsert
from service.stores import Store, StoreError, StoreUnavailable, open_store
from service.stores import sqlite as sqlite_store
from service.stores.base import Stored, decode_record, encode_record, handle_of
from service.stores.redis import RedisStore, _postings_of, short_handle
from service.stores.sqlite import SQLiteStore
from tests.service.redis_servers import RedisCluster, RedisServer

CONFIG = DetectorConfig(hot_bucket_cap=3)
WIRE = (
    "Le vice-ministre russe de la Défense a annoncé mercredi que des navires de la "
    "flottille de la Caspienne avaient tiré vingt-six missiles de croisière sur des "
    "cibles en Syrie.\n\nSelon lui, toutes les cibles ont été détruites et aucun objet "
    "civil n'a été touché pendant l'opération, qui a duré plusieurs heures."
)
OTHER = (
    "La commune de Lausanne a inauguré samedi un nouveau pont piéton au-dessus de la "
    "voie ferrée. Les travaux ont duré deux ans et coûté douze millions de francs, selon "
    "la municipalité, qui prévoit d'autres aménagements dans le quartier."
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.now


Factory = Callable[..., Store]


@pytest.fixture(params=["sqlite", "redis", "cluster"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    """Build stores of one kind; each test gets a namespace of its own."""
    kind = request.param
    space = f"t{abs(hash(request.node.nodeid)):x}:"

    def keys_of(stored: Stored) -> Sequence[int]:
        return index_keys(prepare(stored.article, CONFIG))

    def make(
        retention: timedelta | None = None,
        clock: Callable[[], float] | None = None,
        namespace: str = space,
    ) -> Store:
        clock = clock or time.time
        if kind == "sqlite":
            return SQLiteStore(
                tmp_path / "index.db",
                namespace=namespace,
                hot_bucket_cap=CONFIG.hot_bucket_cap,
                retention=retention,
                clock=clock,
            )
        server: RedisServer | RedisCluster = request.getfixturevalue(
            "redis_server" if kind == "redis" else "redis_cluster"
        )
        return RedisStore(
            server.url,
            namespace=namespace,
            hot_bucket_cap=CONFIG.hot_bucket_cap,
            keys_of=keys_of,
            retention=retention,
            clock=clock,
        )

    return make


@pytest.fixture
async def store(make_store: Factory) -> AsyncIterator[Store]:
    opened = make_store()
    yield opened
    await opened.close()


def keys(text: str) -> list[int]:
    return index_keys(prepare(Article("x", text), CONFIG))


async def test_an_empty_store_finds_nothing(store: Store) -> None:
    await store.ping()
    assert await store.lookup(keys(WIRE)) == {}
    assert await store.fetch(["00000000000000ff"]) == []
    assert await store.get("a") is None
    assert await store.count() == 0
    assert await store.delete("a") is False


async def test_upsert_then_lookup_fetch_and_get(store: Store) -> None:
    published = datetime(2015, 10, 7, 4, 59, tzinfo=UTC)
    article = Article(
        "wire {1}: a b",
        WIRE,
        source="AFP",
        url="https://x/1",
        published_at=published,
        title="Syrie",
        metadata={"n": [1, "é"]},
    )
    result = await store.upsert(article, keys(WIRE))
    assert result.created
    assert result.stored
    found = await store.lookup(keys(WIRE))
    assert set(found) == set(keys(WIRE))
    handles = {h for bucket in found.values() for h in bucket}
    assert len(handles) == 1
    assert [s.article for s in await store.fetch(sorted(handles))] == [article]
    stored = await store.get(article.id)
    assert stored is not None
    assert stored.article == article
    assert await store.count() == 1


async def test_segments_are_kept_with_the_record_and_spare_segmenting(store: Store) -> None:
    await store.upsert(Article("a", WIRE), keys(WIRE))
    prepared = prepare(Article("b", OTHER), CONFIG)
    await store.upsert(prepared.article, keys(OTHER), (prepared.paragraphs, prepared.units))
    handles = {h for bucket in (await store.lookup(keys(WIRE + OTHER))).values() for h in bucket}
    by_id = {s.article.id: s for s in await store.fetch(sorted(handles))}
    assert by_id["a"].segments is None  # written without: segmented when verified
    kept = by_id["b"].segments
    assert kept is not None
    assert kept[0] == prepared.paragraphs
    assert kept[1].tolist() == prepared.units.tolist()


async def test_upsert_replaces_the_old_postings_and_is_idempotent(store: Store) -> None:
    await store.upsert(Article("a", WIRE), keys(WIRE))
    again = await store.upsert(Article("a", OTHER), keys(OTHER))
    assert not again.created
    assert set(await store.lookup(keys(WIRE))) <= set(keys(OTHER))
    assert set(await store.lookup(keys(OTHER))) == set(keys(OTHER))
    await store.upsert(Article("a", OTHER), keys(OTHER))
    found = await store.lookup(keys(OTHER))
    assert all(len(bucket) == 1 for bucket in found.values())
    assert await store.count() == 1
    stored = await store.get("a")
    assert stored is not None
    assert stored.article.text == OTHER


async def test_upsert_many_is_upsert_of_each_in_order(store: Store) -> None:
    await store.upsert(Article("a", WIRE), keys(WIRE))
    results = await store.upsert_many(
        [(Article("a", OTHER), keys(OTHER), None), (Article("b", WIRE), keys(WIRE), None)]
    )
    assert [r.created for r in results] == [False, True]
    assert await store.count() == 2
    # "a" no longer holds the postings of its old text: "b" alone does.
    found = await store.lookup(keys(WIRE))
    handles = {handle for bucket in found.values() for handle in bucket}
    assert [stored.article.id for stored in await store.fetch(sorted(handles))] == ["b"]
    assert await store.upsert_many([]) == []


async def test_many_calls_at_once_wait_for_a_connection_instead_of_failing(
    store: Store,
) -> None:
    # More concurrent requests than the client has connections (redis-py's pools raise
    # "Too many connections" past 100): each waits its turn and succeeds.
    articles = [Article(f"a{n}", WIRE) for n in range(250)]
    results = await asyncio.gather(*(store.upsert(a, keys(WIRE)) for a in articles))
    assert all(r.created for r in results)
    looked = await asyncio.gather(*(store.lookup(keys(WIRE)) for _ in range(250)))
    assert all(set(found) == set(keys(WIRE)) for found in looked)
    assert await store.count() == 250


async def test_delete_removes_the_article_and_its_postings(store: Store) -> None:
    await store.upsert(Article("a", WIRE), keys(WIRE))
    await store.upsert(Article("b", OTHER), keys(OTHER))
    assert await store.delete("a") is True
    assert await store.delete("a") is False
    assert await store.lookup(keys(WIRE)) == {}
    assert await store.get("a") is None
    assert await store.get("b") is not None
    assert await store.count() == 1


async def test_an_article_with_thousands_of_keys_is_indexed_replaced_and_deleted_whole(
    store: Store,
) -> None:
    # More groups than one command of the Redis edit script reads or writes (1,000), and
    # more postings than one script call takes (MAX_ENTRIES).
    rng = random.Random(7)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6)) for _ in range(5_000)]

    def long_text() -> str:
        sentences = (" ".join(rng.choices(words, k=12)).capitalize() + "." for _ in range(400))
        return "\n\n".join(sentences)

    first, second = long_text(), long_text()
    assert len(set(keys(first))) > 5_000
    await store.upsert(Article("long", first), keys(first))
    assert set(await store.lookup(keys(first))) == set(keys(first))
    await store.upsert(Article("long", second), keys(second))
    assert await store.lookup(sorted(set(keys(first)) - set(keys(second)))) == {}
    found = await store.lookup(keys(second))
    assert set(found) == set(keys(second))
    assert all(len(bucket) == 1 for bucket in found.values())
    assert await store.delete("long") is True
    assert await store.lookup(keys(second)) == {}


async def test_hot_buckets_are_capped_one_over_the_cap_and_counted(store: Store) -> None:
    refused = 0
    for n in range(6):
        refused += (await store.upsert(Article(f"copy-{n}", WIRE), keys(WIRE))).capped
    found = await store.lookup(keys(WIRE))
    assert {len(bucket) for bucket in found.values()} == {CONFIG.hot_bucket_cap + 1}
    assert refused == 2 * len(set(keys(WIRE)))


async def test_ids_are_any_unicode_string(store: Store) -> None:
    ids = ["{a}", "a:b c", "é" * 300, "x" * 10_000, "🙂\x00"]
    for article_id in ids:
        await store.upsert(Article(article_id, WIRE), keys(WIRE))
    for article_id in ids:
        stored = await store.get(article_id)
        assert stored is not None
        assert stored.article.id == article_id


async def test_namespaces_do_not_mix(make_store: Factory) -> None:
    first, second = make_store(namespace="one:"), make_store(namespace="two:")
    try:
        await first.upsert(Article("a", WIRE), keys(WIRE))
        assert await second.lookup(keys(WIRE)) == {}
        assert await second.get("a") is None
    finally:
        await first.close()
        await second.close()


async def test_retention_stops_matching_then_purges(make_store: Factory) -> None:
    clock = Clock()
    store = make_store(retention=timedelta(days=90), clock=clock)
    try:
        now = datetime.fromtimestamp(clock.now, UTC)
        old = await store.upsert(
            Article("old", OTHER, published_at=now - timedelta(days=91)), keys(OTHER)
        )
        assert not old.stored
        assert await store.get("old") is None
        await store.upsert(Article("a", WIRE, published_at=now - timedelta(days=89)), keys(WIRE))
        assert (await match(store, Article("q", WIRE), CONFIG)).report.matches
        clock.now += timedelta(days=2).total_seconds()
        assert await store.get("a") is None
        assert not (await match(store, Article("q", WIRE), CONFIG)).report.matches
        assert await store.purge_expired() == 1
        assert await store.lookup(keys(WIRE)) == {}
    finally:
        await store.close()


async def test_matching_through_a_store_reports_both_texts(store: Store) -> None:
    first = await upsert(store, Article("wire", WIRE), CONFIG)
    assert first.report.matches == ()
    second = await upsert(store, Article("copy", "Titre\n\n" + WIRE), CONFIG)
    (found,) = second.report.matches
    assert found.id == "wire"
    assert found.kind == "duplicate"
    alone = await match(store, Article("wire", WIRE), CONFIG)
    assert [m.id for m in alone.report.matches] == ["copy"]


async def test_a_write_stopped_halfway_reports_nothing_false(make_store: Factory) -> None:
    store = make_store()
    if not isinstance(store, RedisStore):
        await store.close()
        pytest.skip("SQLite writes are one transaction")
    try:
        # Postings written, record not: the reader ignores them.
        await store._edit(short_handle("ghost"), keys(WIRE), [])
        assert (await match(store, Article("q", WIRE), CONFIG)).report.matches == ()
        # A replacement whose record landed but whose old postings were not removed yet:
        # found through them, verified against the new text, not reported.
        await store.upsert(Article("a", WIRE), keys(WIRE))
        await store._client.hset(
            store._record_key(short_handle("a")),
            "a",
            (await _record(store, Article("a", OTHER))),
        )
        assert (await match(store, Article("q", WIRE), CONFIG)).report.matches == ()
        assert [
            m.id for m in (await match(store, Article("q", OTHER), CONFIG)).report.matches
        ] == []
    finally:
        await store.close()


async def test_redis_ids_sharing_a_handle_are_both_kept(make_store: Factory) -> None:
    store = make_store()
    if not isinstance(store, RedisStore):
        await store.close()
        pytest.skip("SQLite handles are 64-bit and unique")
    try:
        first, second = "id-24876", "id-46829"
        assert short_handle(first) == short_handle(second)
        await store.upsert(Article(first, WIRE), keys(WIRE))
        await store.upsert(Article(second, OTHER), keys(OTHER))
        assert {s.article.id for s in await store.fetch([f"{short_handle(first):08x}"])} == {
            first,
            second,
        }
        (found,) = (await match(store, Article("q", WIRE), CONFIG)).report.matches
        assert found.id == first
        assert await store.delete(first)
        stored = await store.get(second)
        assert stored is not None
        assert stored.article.text == OTHER
        assert await store.lookup(keys(WIRE)) == {}
    finally:
        await store.close()


async def test_redis_sweep_removes_each_record_of_a_shared_handle_in_time(
    make_store: Factory,
) -> None:
    clock = Clock()
    store = make_store(retention=timedelta(days=90), clock=clock)
    if not isinstance(store, RedisStore):
        await store.close()
        pytest.skip("SQLite handles are 64-bit and unique")
    try:
        now = datetime.fromtimestamp(clock.now, UTC)
        await store.upsert(Article("id-24876", WIRE, published_at=now), keys(WIRE))
        soon = now - timedelta(days=80)
        await store.upsert(Article("id-46829", OTHER, published_at=soon), keys(OTHER))
        clock.now += timedelta(days=11).total_seconds()
        assert await store.purge_expired() == 1
        assert await store.get("id-24876") is not None
        assert await store.lookup(keys(OTHER)) == {}
        clock.now += timedelta(days=80).total_seconds()
        assert await store.purge_expired() == 1
        assert await store.lookup(keys(WIRE)) == {}
        assert await store.purge_expired() == 0
    finally:
        await store.close()


async def _record(store: RedisStore, article: Article) -> bytes:
    return encode_record(Stored(article, datetime.now(UTC)))


async def test_durability_says_when_acknowledged_writes_could_be_lost(store: Store) -> None:
    warning = await store.durability()
    if isinstance(store, SQLiteStore):
        assert warning is None  # synchronous=FULL: committed before acknowledged
    else:  # the test servers keep no append-only file
        assert warning is not None
        assert "appendonly no" in warning
        assert "set appendonly yes" in warning


async def test_redis_with_an_append_only_file_is_durable(
    fresh_redis_server: RedisServer,
) -> None:
    with redis.Redis.from_url(fresh_redis_server.url) as client:
        client.config_set("appendonly", "yes")
    store = RedisStore(
        fresh_redis_server.url,
        namespace="t:",
        hot_bucket_cap=CONFIG.hot_bucket_cap,
        keys_of=lambda stored: index_keys(prepare(stored.article, CONFIG)),
    )
    try:
        assert await store.durability() is None
    finally:
        await store.close()


async def test_sqlite_keeps_its_index_across_restarts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/index.db"
    store = open_store(url, CONFIG)
    await store.upsert(Article("a", WIRE), keys(WIRE))
    await store.close()
    reopened = open_store(url, CONFIG)
    try:
        assert (await reopened.get("a")) is not None
        assert set(await reopened.lookup(keys(WIRE))) == set(keys(WIRE))
    finally:
        await reopened.close()


async def test_sqlite_keeps_no_index_on_handle(tmp_path: Path) -> None:
    # Postings are removed through the keys kept in the article's row: an index on
    # handle would double the writes of every upsert.
    store = open_store(f"sqlite:///{tmp_path}/index.db", CONFIG)
    try:
        await store.upsert(Article("a", WIRE), keys(WIRE))
    finally:
        await store.close()
    with closing(sqlite3.connect(tmp_path / "index.db")) as db:
        indexes = db.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    assert [name for (name,) in indexes if not name.startswith("sqlite_autoindex")] == []


async def test_sqlite_file_from_before_the_keys_column_still_replaces_and_deletes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "index.db"
    store = SQLiteStore(path, namespace="old", hot_bucket_cap=CONFIG.hot_bucket_cap)
    await store.upsert(Article("a", WIRE), keys(WIRE))
    await store.upsert(Article("b", WIRE), keys(WIRE))
    await store.close()
    # Rewrite the file as the earlier layout had it: no keys column, an index on handle.
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE INDEX postings_old_by_handle ON postings_old (handle)")
        db.execute("ALTER TABLE articles_old DROP COLUMN keys")
        db.commit()
    store = SQLiteStore(path, namespace="old", hot_bucket_cap=CONFIG.hot_bucket_cap)
    try:
        await store.upsert(Article("a", OTHER), keys(OTHER))
        assert await store.delete("b") is True
        assert await store.lookup(keys(WIRE)) == {}
        assert set(await store.lookup(keys(OTHER))) == set(keys(OTHER))
        assert await store.delete("a") is True
        assert await store.lookup(keys(OTHER)) == {}
    finally:
        await store.close()


async def test_sqlite_upserts_in_flight_together_share_one_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStore(tmp_path / "index.db", namespace="g", hot_bucket_cap=10)
    groups: list[int] = []
    write_group = store._write_group

    def counted(items: list[Any], db: sqlite3.Connection) -> Any:
        groups.append(len(items))
        return write_group(items, db)

    monkeypatch.setattr(store, "_write_group", counted)
    try:
        results = await asyncio.gather(
            *(store.upsert(Article(f"n{n}", WIRE), keys(WIRE)) for n in range(10))
        )
        assert [r.created for r in results] == [True] * 10
        assert groups == [10]
        assert await store.count() == 10
    finally:
        await store.close()


async def test_sqlite_close_commits_the_upserts_still_queued(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "index.db", namespace="g", hot_bucket_cap=10)
    await store.ping()  # the file is open: close has a connection to close
    pending = [
        asyncio.ensure_future(store.upsert(Article(f"n{n}", WIRE), keys(WIRE))) for n in range(300)
    ]
    await asyncio.sleep(0)  # queued: more than one group's worth
    await store.close()
    assert all(r.created for r in await asyncio.gather(*pending))
    reopened = SQLiteStore(tmp_path / "index.db", namespace="g", hot_bucket_cap=10)
    try:
        assert await reopened.count() == 300
    finally:
        await reopened.close()


async def test_a_closed_sqlite_store_refuses_calls_with_a_clear_error(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "index.db", namespace="g", hot_bucket_cap=10)
    await store.upsert(Article("a", WIRE), keys(WIRE))
    await store.close()
    with pytest.raises(StoreUnavailable, match="the store is closed"):
        await store.upsert(Article("b", WIRE), keys(WIRE))
    with pytest.raises(StoreUnavailable, match="the store is closed"):
        await store.lookup(keys(WIRE))


async def test_sqlite_an_article_refused_in_a_group_leaves_the_others_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two ids forced onto one handle: the second is refused, the group goes on.
    real = handle_of
    monkeypatch.setattr(
        sqlite_store, "handle_of", lambda i: real("clash") if i in ("x", "y") else real(i)
    )
    store = SQLiteStore(tmp_path / "index.db", namespace="g", hot_bucket_cap=10)
    try:
        items = [(Article(i, WIRE), keys(WIRE), None) for i in ("a", "x", "y", "b")]
        with pytest.raises(StoreError, match="hash to the same handle"):
            await store.upsert_many(items)
        assert [await store.get(i) is not None for i in ("a", "x", "y", "b")] == [
            True, True, False, True
        ]  # fmt: skip
        assert await store.count() == 3
    finally:
        await store.close()


def test_store_urls_are_checked() -> None:
    for url in ("sqlite://relative.db", "mysql://x", "redis+cluster://nohost"):
        with pytest.raises(StoreError):
            open_store(url, CONFIG)


async def test_redis_down_raises_unavailable_then_recovers(
    fresh_redis_server: RedisServer,
) -> None:
    store = open_store(fresh_redis_server.url, CONFIG)
    try:
        await store.upsert(Article("a", WIRE), keys(WIRE))
        fresh_redis_server.stop()
        with pytest.raises(StoreUnavailable):
            await store.lookup(keys(WIRE))
        with pytest.raises(StoreUnavailable):
            await store.upsert(Article("b", WIRE), keys(WIRE))
        fresh_redis_server.start()
        await asyncio.wait_for(store.ping(), 10)
        await store.upsert(Article("b", WIRE), keys(WIRE))  # scripts reloaded by itself
        assert await store.get("b") is not None
    finally:
        await store.close()


def _posting(field: int, handle: int) -> bytes:
    return field.to_bytes(3, "big") + handle.to_bytes(4, "big")


def test_redis_lookup_reads_whole_postings_in_order_from_group_strings() -> None:
    # Group 0 holds field 1 twice (handles 9 then 3) and a posting whose bytes contain
    # field 1 across a posting boundary; group 1 is missing; a torn tail is ignored.
    tricky = _posting(0x000000, 0x00000100) + _posting(0x010000, 0x00000005)
    values = [_posting(1, 9) + tricky + _posting(1, 3) + b"\x00\x00", b""]
    wanted = np.array([(7 << 40) | 1, (7 << 40) | 2, (8 << 40) | 1], dtype=np.uint64)
    found = _postings_of(wanted, np.array([0, 0, 1]), values)
    assert found == {int(wanted[0]): [f"{9:08x}", f"{3:08x}"]}
    # Keys that differ only in the bits neither the group nor the field holds share a bucket.
    twins = np.array([(7 << 40) | 1, (7 << 40) | (5 << 24) | 1], dtype=np.uint64)
    both = _postings_of(twins, np.array([0, 0]), values)
    assert both == {int(k): [f"{9:08x}", f"{3:08x}"] for k in twins}
    assert _postings_of(wanted, np.array([1, 1, 1]), [b"", b""]) == {}


def test_redis_lookup_finds_what_a_posting_by_posting_scan_finds() -> None:
    # Groups asked for several buckets at once, fields that recur, torn tails and hot
    # caps, against a plain reading of the group strings.
    rng = random.Random(4)
    for _ in range(200):
        fields = [rng.randrange(1 << 24) for _ in range(6)]
        values = [
            b"".join(
                _posting(rng.choice(fields), rng.randrange(1 << 32))
                for _ in range(rng.randrange(25))
            )
            + rng.choice([b"", b"\x01\x02"])
            for _ in range(rng.randint(1, 12))
        ]
        keys = {(rng.randrange(1 << 20) << 24) | rng.choice([*fields, 7]) for _ in range(30)}
        wanted = np.array(sorted(keys), dtype=np.uint64)
        group = np.array([rng.randrange(len(values)) for _ in keys])
        hot = rng.choice([None, 2, 4])
        expected = {}
        for key, g in zip(wanted.tolist(), group.tolist(), strict=True):
            value = values[g]
            handles = [
                f"{int.from_bytes(value[at + 3 : at + 7], 'big'):08x}"
                for at in range(0, len(value) - len(value) % 7, 7)
                if int.from_bytes(value[at : at + 3], "big") == key & 0xFFFFFF
            ]
            if handles:
                expected[key] = handles
        found = _postings_of(wanted, group, values, hot)
        assert {k: list(v) for k, v in found.items()} == expected


def test_redis_hot_buckets_come_back_whole_and_named_on_reading() -> None:
    # Field 1 holds four handles (hot at 3), field 2 one: only the hot one is lazy.
    values = [b"".join(_posting(1, h) for h in (9, 3, 7, 5)) + _posting(2, 4)]
    wanted = np.array([(7 << 40) | 1, (7 << 40) | 2], dtype=np.uint64)
    found = _postings_of(wanted, np.array([0, 0]), values, hot=3)
    hot, cold = found[int(wanted[0])], found[int(wanted[1])]
    names = [f"{h:08x}" for h in (9, 3, 7, 5)]
    assert len(hot) == 4
    assert hot == names
    assert list(hot) == names
    assert [hot[1], hot[-1]] == [names[1], names[-1]]
    assert hot[1:3] == names[1:3]
    assert isinstance(cold, list)
    assert cold == [f"{4:08x}"]
    assert found == _postings_of(wanted, np.array([0, 0]), values)


def test_segments_that_do_not_fit_their_text_are_dropped_not_trusted() -> None:
    prepared = prepare(Article("a", WIRE), CONFIG)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    data = encode_record(Stored(prepared.article, now, (prepared.paragraphs, prepared.units)))
    assert decode_record(data).segments is not None
    short = Stored(Article("a", WIRE[:20]), now, (prepared.paragraphs, prepared.units))
    assert decode_record(encode_record(short)).segments is None
    backwards = decode_record(data.replace(b'"units":[', b'"units":[99,1,'))
    assert backwards.segments is None
    assert backwards.article == prepared.article  # the text is the truth
    # Folding may lengthen a text (ﬃ is ffi): its units may end past its last character.
    ligatures = prepare(Article("l", " ".join(["ﬃ" * 20] * 5) + "."), CONFIG)
    assert int(ligatures.units.max()) > len(ligatures.article.text)
    kept = (ligatures.paragraphs, ligatures.units)
    assert decode_record(encode_record(Stored(ligatures.article, now, kept))).segments is not None


def test_units_past_the_folded_text_are_cut_again() -> None:
    prepared = prepare(Article("a", WIRE), CONFIG)
    wrong = (prepared.paragraphs, prepared.units + len(prepared.folded))
    (again,) = prepare_batch([prepared.article], CONFIG, [wrong])
    assert again.units.tolist() == prepared.units.tolist()
