"""The impresso evaluation on hand-made rows, and on the real file when it is there."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchmarks import impresso
from benchmarks.data import (
    Passage,
    impresso_path,
    load_passages,
    merged_clusters,
    missing_reason,
    passim_pairs,
)
from detector.model import Article, ArticleReport, Match


def _row(
    row: int, cluster: int, article: str, begin: int, end: int, *, series: str = "JDG"
) -> Passage:
    return Passage(row, 7, cluster, 0, article, series, "1900-01-02", begin, end, f"texte {row}")


# Clusters 1 and 2 overlap inside article X, so they merge; cluster 3 stands alone;
# cluster 4 has eleven members (formulaic) and is left out of recall.
ROWS = [
    _row(0, 1, "X", 0, 100),
    _row(1, 1, "Y", 0, 90, series="GDL"),
    _row(2, 2, "X", 50, 200),
    _row(3, 2, "Z", 10, 160, series="GDL"),
    _row(4, 3, "W", 0, 80),
    _row(5, 3, "V", 0, 80, series="GDL"),
    *(_row(6 + i, 4, f"N{i}", 0, 50) for i in range(11)),
]


def test_merged_clusters_join_overlapping_passages_of_one_article() -> None:
    labels = merged_clusters(ROWS)
    assert labels[0] == labels[1] == labels[2] == labels[3]
    assert labels[4] == labels[5] != labels[0]
    # Touching is not overlapping: [0, 100) and [100, 150) stay apart.
    apart = merged_clusters([_row(0, 1, "X", 0, 100), _row(1, 2, "X", 100, 150)])
    assert apart[0] != apart[1]


def test_passim_pairs_skip_large_clusters() -> None:
    assert passim_pairs(ROWS) == {(0, 1), (2, 3), (4, 5)}


def test_row_ids_are_unique_even_when_uid_repeats() -> None:
    articles = impresso.impresso_articles(ROWS)
    assert len({a.id for a in articles}) == len(ROWS)
    assert articles[0].published_at is not None
    assert articles[0].source == "JDG"


def _reports(pairs: list[tuple[int, int]]) -> list[ArticleReport]:
    ids = [a.id for a in impresso.impresso_articles(ROWS)]
    matches: dict[int, list[Match]] = {i: [] for i in range(len(ROWS))}
    for a, b in pairs:
        matches[a].append(Match(ids[b], "partial", 0.5, 0.5, 0.5, ()))
        matches[b].append(Match(ids[a], "partial", 0.5, 0.5, 0.5, ()))
    return [ArticleReport(ids[i], matches=tuple(matches[i])) for i in range(len(ROWS))]


def test_evaluate_recall_and_silver_precision() -> None:
    # Found (0, 1); (0, 3) crosses passim clusters but lies in one merged cluster: correct;
    # (1, 4) joins two merged clusters: wrong; (6, 7) is inside the large cluster: correct.
    result = impresso.evaluate(ROWS, _reports([(0, 1), (0, 3), (1, 4), (6, 7)]))
    assert (result["passim_pairs"], result["found"]) == (3, 1)
    assert result["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert (result["predicted_pairs"], result["same_merged_cluster"]) == (4, 3)
    assert result["silver_precision"] == 0.75
    assert result["recall_by_cluster_size"]["2"] == {"found": 1, "total": 3, "recall": 0.3333}


def test_run_skips_without_data(tmp_path: Path) -> None:
    result = impresso.run(lambda articles: [], tmp_path / "absent.jsonl.gz")
    assert "skipped" in result
    assert "REDITE_IMPRESSO" in result["skipped"]


def test_run_on_a_tiny_file(tmp_path: Path) -> None:
    path = tmp_path / "passages.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for row in ROWS[:6]:
            handle.write(
                json.dumps(
                    {
                        "uid": row.uid,
                        "cluster": row.cluster,
                        "size": 2,
                        "id": row.article,
                        "series": row.series,
                        "date": row.date,
                        "begin": row.begin,
                        "end": row.end,
                        "text": row.text,
                    }
                )
                + "\n"
            )

    def everything(articles: list[Article]) -> list[ArticleReport]:
        return [
            ArticleReport(
                a.id,
                matches=tuple(
                    Match(b.id, "partial", 1, 1, 1, ()) for b in articles if b.id != a.id
                ),
            )
            for a in articles
        ]

    result = impresso.run(everything, path)  # type: ignore[arg-type]
    assert result["recall"] == 1.0
    assert result["predicted_pairs"] == 15
    assert result["silver_precision"] == pytest.approx(7 / 15, abs=1e-4)


@pytest.mark.data
def test_real_file_has_the_documented_shape() -> None:
    reason = missing_reason(impresso_path())
    if reason is not None:
        pytest.skip(reason)
    rows = load_passages(impresso_path())
    assert len(rows) == 16101
    assert len({r.doc_id for r in rows}) == len(rows)
    assert len(passim_pairs(rows)) == 12379
    assert len(set(merged_clusters(rows))) == 4440
