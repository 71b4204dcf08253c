"""The files the steps hand each other."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np

from detector.config import DetectorConfig
from detector.model import Article
from service.batch.steps import Plan, fingerprint, group, read_partition, write_partition


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


def test_every_bucket_lists_its_members_by_ordinal(tmp_path: Path) -> None:
    # Many articles of one partition share every key: the fingerprint step must post
    # them in ordinal order for the group step's merge to list them so.
    shared = "Le conseil municipal a voté hier soir le budget de la ville pour l'année."
    articles = [
        Article(id=f"a{i}", text=f"{shared} {shared}\n\nParagraphe propre numéro {i} " * 3)
        for i in range(120)
    ]
    plan = Plan(
        work=str(tmp_path), config=DetectorConfig(), partitions=2, partition_size=60, shard_bits=1
    )
    for number in range(plan.partitions):
        write_partition(plan.work, number, articles[number * 60 : (number + 1) * 60])
        fingerprint(plan, number)
    for shard in range(plan.shards):
        group(plan, shard)
        starts = np.load(plan.path("group", shard, ".bucket_starts.npy"))
        members = np.load(plan.path("group", shard, ".ords.npy"))
        for low, high in pairwise(starts.tolist()):
            assert high - low >= 2
            assert (np.diff(members[low:high].astype(np.int64)) > 0).all()
    assert starts.shape[0] > 1
