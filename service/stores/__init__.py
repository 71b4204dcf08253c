"""Index stores behind one async interface: SQLite (embedded default) and Redis.

>>> import asyncio, tempfile
>>> from detector.config import DetectorConfig
>>> with tempfile.TemporaryDirectory() as folder:
...     store = open_store(f"sqlite:///{folder}/index.db", DetectorConfig())
...     asyncio.run(store.count()), asyncio.run(store.close())
(0, None)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from detector.config import DetectorConfig
from detector.matcher import index_keys
from detector.model import Article
from detector.prepare import prepare
from service.stores.base import Store, Stored, StoreError, StoreUnavailable, UpsertResult
from service.stores.redis import RedisStore, redact
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
) -> Store:
    """The store a URL names, namespaced by the fingerprint of ``config``.

    ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``; ``redis://host:port/db``
    (``rediss://`` for TLS); ``redis+cluster://host:port[,host:port...]``.
    """
    scheme = urlsplit(url).scheme
    space = f"{namespace}:{config.fingerprint()}:"
    if scheme == "sqlite":
        path = unquote(url[len("sqlite://") :])
        if not path.startswith("/") or path == "/":
            raise StoreError(
                f"not a SQLite URL: {url!r} (write sqlite:///index.db for a file in the "
                "working directory, sqlite:////var/lib/redite/index.db for an absolute path)"
            )
        return SQLiteStore(
            Path(path[1:]),
            namespace=space,
            hot_bucket_cap=config.hot_bucket_cap,
            retention=retention,
        )
    if scheme in SCHEMES:

        def keys_of(article: Article) -> Sequence[int]:
            return index_keys(prepare(article, config))

        return RedisStore(
            url,
            namespace=space,
            hot_bucket_cap=config.hot_bucket_cap,
            keys_of=keys_of,
            retention=retention,
        )
    raise StoreError(
        f"unknown store {redact(url)!r}: use sqlite:///FILE, redis://HOST:PORT/DB, "
        "rediss://..., or redis+cluster://HOST:PORT"
    )


__all__ = [
    "DEFAULT_STORE",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Stored",
    "UpsertResult",
    "open_store",
]
