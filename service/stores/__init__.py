"""Index stores behind one async interface: SQLite (embedded default) and Redis.

>>> import asyncio, tempfile
>>> from detector.config import DetectorConfig
>>> with tempfile.TemporaryDirectory() as folder:
...     store = open_store(f"sqlite:///{folder}/index.db", DetectorConfig())
...     asyncio.run(store.count()), asyncio.run(store.close())
(0, None)
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from detector.config import DetectorConfig
from detector.matcher import index_keys
from detector.prepare import prepare_batch
from service.stores.base import Store, Stored, StoreError, StoreUnavailable, UpsertResult
from service.stores.redis import RedisStore, cluster_nodes, redact
from service.stores.sqlite import SQLiteStore

DEFAULT_STORE = "sqlite:///redite-index.db"
"""Where ``redite serve`` keeps its index with no ``--store``: a file in the working directory."""

SCHEMES = ("sqlite", "redis", "rediss", "redis+cluster", "rediss+cluster")


def open_store(
    url: str,
    config: DetectorConfig,
    *,
    namespace: str = "redite",
    retention: timedelta | None = None,
    lock_wait: float = 10.0,
) -> Store:
    """The store a URL names, namespaced by the fingerprint of ``config``.

    ``lock_wait`` is how many seconds a SQLite write waits for another writer's
    transaction before it fails (Redis has no such lock).

    ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``; ``redis://host:port/db``
    (``rediss://`` for TLS); ``redis+cluster://host:port[,host:port...]``.
    """
    path = check_url(url)
    space = f"{namespace}:{config.fingerprint()}:"
    if path is not None:
        return SQLiteStore(
            path,
            namespace=space,
            hot_bucket_cap=config.hot_bucket_cap,
            retention=retention,
            lock_wait=lock_wait,
        )

    def keys_of(stored: Stored) -> Sequence[int]:
        (prepared,) = prepare_batch([stored.article], config, [stored.segments])
        return index_keys(prepared)

    return RedisStore(
        url,
        namespace=space,
        hot_bucket_cap=config.hot_bucket_cap,
        keys_of=keys_of,
        retention=retention,
    )


def check_url(url: str) -> Path | None:
    """Raise :class:`StoreError` unless ``url`` names a store; the path of a SQLite one.

    >>> check_url("sqlite:///index.db")
    PosixPath('index.db')
    >>> check_url("redis://localhost:6379/0") is None
    True
    """
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = unquote(url[len("sqlite://") :])
        if not path.startswith("/") or path == "/":
            raise StoreError(
                f"not a SQLite URL: {url!r} (write sqlite:///index.db for a file in the "
                "working directory, sqlite:////var/lib/redite/index.db for an absolute path)"
            )
        return Path(path[1:])
    if scheme not in SCHEMES:
        raise StoreError(
            f"unknown store {redact(url)!r}: use sqlite:///FILE, redis://HOST:PORT/DB, "
            "rediss://..., or redis+cluster://HOST:PORT"
        )
    if scheme.endswith("+cluster"):
        cluster_nodes(url)
    return None


ASK_SECONDS = 5.0
"""How long a startup question to the store may take."""


async def durability_warning(store: Store) -> str | None:
    """:meth:`Store.durability`, within :data:`ASK_SECONDS`; raises
    :class:`StoreUnavailable` when the store cannot be asked."""
    try:
        async with asyncio.timeout(ASK_SECONDS):
            return await store.durability()
    except TimeoutError as error:
        raise StoreUnavailable(f"{store.url} did not answer within {ASK_SECONDS:g} s") from error


__all__ = [
    "DEFAULT_STORE",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Stored",
    "UpsertResult",
    "check_url",
    "durability_warning",
    "open_store",
]
