"""The impresso passages (passim output on two Swiss French newspapers of 1900).

The file is evaluation data under CC BY-NC 4.0: it is read from ``../shared/data``
(or wherever ``REDITE_IMPRESSO`` points) and never copied into the project.
"""

from __future__ import annotations

import gzip
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_IMPRESSO = REPO_ROOT.parent / "shared" / "data" / "impresso_fr_1900" / "passages.jsonl.gz"
IMPRESSO_ENV = "REDITE_IMPRESSO"

# passim clusters above this size are formulaic (death notices, market tables): they are
# not "one item reprinted by another paper" and are left out of recall and of fillers.
MAX_CLUSTER_SIZE = 10


@dataclass(frozen=True, slots=True)
class Passage:
    """One row of ``passages.jsonl.gz``; ``row`` makes it unique (``uid`` repeats)."""

    row: int
    uid: int
    cluster: int
    size: int
    article: str
    series: str
    date: str
    begin: int
    end: int
    text: str

    @property
    def doc_id(self) -> str:
        """A stable id, unique per row: the same article span can sit in two clusters."""
        return f"r{self.row:05d}:{self.article}:{self.begin}-{self.end}"


def impresso_path(override: str | os.PathLike[str] | None = None) -> Path:
    """Where the passages file is: ``override``, else ``$REDITE_IMPRESSO``, else
    ``../shared/data/impresso_fr_1900/passages.jsonl.gz`` next to the repository."""
    if override:
        return Path(override)
    from_env = os.environ.get(IMPRESSO_ENV)
    if from_env:
        return Path(from_env)
    return DEFAULT_IMPRESSO


def missing_reason(path: Path) -> str | None:
    """None when the data can be read, else a message saying how to provide it."""
    if path.is_file():
        return None
    return (
        f"impresso passages not found at {path}: put passages.jsonl.gz there "
        f"or set {IMPRESSO_ENV}=/path/to/passages.jsonl.gz"
    )


def load_passages(path: Path) -> list[Passage]:
    """Read every row, in file order.

    >>> rows = load_passages(impresso_path())  # doctest: +SKIP
    >>> len(rows)  # doctest: +SKIP
    16101
    """
    rows: list[Passage] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            raw = json.loads(line)
            rows.append(
                Passage(
                    row=number,
                    uid=int(raw["uid"]),
                    cluster=int(raw["cluster"]),
                    size=int(raw["size"]),
                    article=str(raw["id"]),
                    series=str(raw["series"]),
                    date=str(raw["date"]),
                    begin=int(raw["begin"]),
                    end=int(raw["end"]),
                    text=str(raw["text"]),
                )
            )
    return rows


def merged_clusters(rows: Sequence[Passage]) -> list[int]:
    """A merged-cluster label per row.

    passim splits one reprinted item into several clusters; two clusters are merged
    wherever passages of the same article overlap in ``[begin, end)``. Rows with the
    same label may be related; rows with different labels are treated as unrelated.
    """
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_article: dict[str, list[Passage]] = defaultdict(list)
    for row in rows:
        find(row.cluster)
        by_article[row.article].append(row)
    for members in by_article.values():
        members.sort(key=lambda r: r.begin)
        # Sweep in begin order: each row overlaps the running extent of the previous ones.
        reach_end = -1
        reach_cluster = -1
        for row in members:
            if row.begin < reach_end:
                parent[find(row.cluster)] = find(reach_cluster)
            if row.end > reach_end:
                reach_end, reach_cluster = row.end, row.cluster
    return [find(row.cluster) for row in rows]


def passim_pairs(rows: Sequence[Passage], max_size: int = MAX_CLUSTER_SIZE) -> set[tuple[int, int]]:
    """Every pair of rows (by index, smaller first) inside a passim cluster of size
    at most ``max_size``."""
    members: dict[int, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        members[row.cluster].append(index)
    pairs: set[tuple[int, int]] = set()
    for indexes in members.values():
        if len(indexes) > max_size:
            continue
        for i, a in enumerate(indexes):
            for b in indexes[i + 1 :]:
                pairs.add((min(a, b), max(a, b)))
    return pairs


def cluster_sizes(rows: Iterable[Passage]) -> dict[int, int]:
    """Rows per passim cluster (the file's ``size`` field, recounted)."""
    sizes: dict[int, int] = defaultdict(int)
    for row in rows:
        sizes[row.cluster] += 1
    return dict(sizes)
