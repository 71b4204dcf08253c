"""The files the steps hand each other."""

from __future__ import annotations

from pathlib import Path

from detector.config import DetectorConfig
from detector.model import Article
from service.batch.steps import Plan, read_partition, write_partition


def test_a_partition_gives_back_the_articles_asked_for_in_the_order_asked(
    tmp_path: Path,
) -> None:
    articles = [Article(id=f"a{i}", text=f"Texte numéro {i} » é\n\nsuite " * i) for i in range(7)]
    write_partition(str(tmp_path), 3, articles)
    plan = Plan(
        work=str(tmp_path), config=DetectorConfig(), partitions=4, partition_size=7, shard_bits=0
    )
    assert read_partition(plan, 3) == articles
    wanted = [6, 0, 3, 3]  # the last line too: it ends at the end of the file
    assert read_partition(plan, 3, wanted) == [articles[i] for i in wanted]
    assert read_partition(plan, 3, []) == []
