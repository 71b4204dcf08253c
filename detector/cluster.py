"""Clusters of related articles, and the original of each.

Articles are numbered in the order they were first seen. Two articles belong to one
cluster when a chain of duplicate or republication relations joins them; the original
is the member published first, or, when no member has a date, the first seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from detector.arrays import distinct

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Cluster:
    """Members (ascending first-seen numbers) and the original among them."""

    members: tuple[int, ...]
    original: int


def clusters(count: int, edges: I64, published: F64 | None = None) -> list[Cluster]:
    """The clusters of two or more articles joined by ``edges`` (an ``(n, 2)`` array of
    article numbers below ``count``), ordered by their first member.

    ``published`` gives each article's ``published_at`` as POSIX seconds (NaN when it
    has none), by number, for choosing originals; without it, the first seen is the
    original.

    >>> clusters(5, np.array([[3, 1], [1, 4]]))
    [Cluster(members=(1, 3, 4), original=1)]
    """
    if edges.shape[0] == 0:
        return []
    ones = np.ones(edges.shape[0], dtype=np.int8)
    graph = coo_matrix((ones, (edges[:, 0], edges[:, 1])), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    joined = distinct(edges.ravel())
    order = np.argsort(labels[joined], kind="stable")  # by label, then by number
    grouped = joined[order]
    cuts = np.flatnonzero(np.diff(labels[grouped])) + 1
    found = [
        Cluster(tuple(members), original(members, published))
        for members in (m.tolist() for m in np.split(grouped, cuts))
    ]
    return sorted(found, key=lambda c: c.members[0])


def original(members: Sequence[int], published: F64 | None) -> int:
    """The member published first; the first seen among equals or when none is dated.

    >>> nan = float("nan")
    >>> original([2, 5], np.array([nan, nan, nan, nan, nan, 1.6e9]))
    5
    """
    if published is None:
        return members[0]
    when = published[list(members)]
    if np.isnan(when).all():
        return members[0]
    return members[int(np.nanargmin(when))]  # the first of equals: argmin keeps order
