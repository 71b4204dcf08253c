"""The narrow index interface the matcher needs, and the in-memory index.

A store maps band keys to the ids of the articles that have a unit under that key, and
ids to the stored articles. The engine never calls a store itself: the steps in
``detector.matcher`` say what to look up and turn what was found into matches, so sync
and async stores drive the same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from detector.model import Article


class Index(Protocol):
    """What a store offers the matcher."""

    def lookup(self, keys: Iterable[int]) -> Mapping[int, Sequence[str]]:
        """Ids posted under each key, each at most once; buckets over the cap may be
        returned truncated."""
        ...

    def fetch(self, ids: Iterable[str]) -> Mapping[str, Article]:
        """The stored articles among ``ids`` (missing ids are left out)."""
        ...

    def upsert(self, article: Article, keys: Iterable[int]) -> None:
        """Store ``article`` under ``keys``, replacing what its id had before."""
        ...

    def delete(self, article_id: str) -> bool:
        """Remove an article and its postings; False when it was not there."""
        ...


class MemoryIndex:
    """An :class:`Index` in a dict, for ``redite check`` and tests.

    >>> index = MemoryIndex()
    >>> index.upsert(Article("a", "text"), [1, 2])
    >>> dict(index.lookup([2, 3]))
    {2: ['a']}
    """

    def __init__(self) -> None:
        self._postings: dict[int, list[str]] = defaultdict(list)
        self._articles: dict[str, Article] = {}
        self._keys: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self._articles)

    def lookup(self, keys: Iterable[int]) -> dict[int, list[str]]:
        return {k: list(self._postings[k]) for k in keys if k in self._postings}

    def fetch(self, ids: Iterable[str]) -> dict[str, Article]:
        return {i: self._articles[i] for i in ids if i in self._articles}

    def upsert(self, article: Article, keys: Iterable[int]) -> None:
        self.delete(article.id)
        unique = tuple(dict.fromkeys(int(k) for k in keys))
        for key in unique:
            self._postings[key].append(article.id)
        self._articles[article.id] = article
        self._keys[article.id] = unique

    def delete(self, article_id: str) -> bool:
        keys = self._keys.pop(article_id, None)
        if keys is None:
            return False
        for key in keys:
            bucket = self._postings[key]
            bucket.remove(article_id)
            if not bucket:
                del self._postings[key]
        del self._articles[article_id]
        return True
