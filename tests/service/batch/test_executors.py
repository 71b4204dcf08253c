"""The executors: each task's tick as the task ends, so that progress bars move."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from detector.config import DetectorConfig
from service.batch.executors import LocalExecutor, Step
from service.batch.steps import Plan


def _waits_for_the_first_tick(plan: Plan, item: int) -> None:
    """Task 0 ends at once; task 1 ends only once task 0's tick has been heard."""
    if item == 0:
        return
    marker = Path(plan.work, "ticked")
    deadline = time.monotonic() + 30
    while not marker.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("no tick was heard while a task still ran")
        time.sleep(0.01)


def test_a_task_is_ticked_while_the_others_still_run(tmp_path: Path) -> None:
    plan = Plan(
        work=str(tmp_path), config=DetectorConfig(), partitions=2, partition_size=1, shard_bits=2
    )
    ticks: list[float] = []

    def tick() -> None:
        ticks.append(time.monotonic())
        (tmp_path / "ticked").touch()

    executor = LocalExecutor(2)
    try:
        executor.run(plan, [Step("wait", _waits_for_the_first_tick, [0, 1])], [tick])
    finally:
        executor.close()
    assert len(ticks) == 2


def _writes_its_item(plan: Plan, item: int) -> None:
    Path(plan.work, f"{item}.done").touch()


@pytest.mark.parametrize("jobs", [1, 2])
def test_items_given_lazily_run_each_as_it_comes(tmp_path: Path, jobs: int) -> None:
    """A generator of items (as the read step gives its partitions) never travels to a
    worker process: only the task and its item do."""
    plan = Plan(
        work=str(tmp_path), config=DetectorConfig(), partitions=0, partition_size=1, shard_bits=0
    )
    came: list[int] = []

    def items() -> Iterator[int]:
        for item in range(5):
            came.append(item)
            yield item

    ticks: list[int] = []
    executor = LocalExecutor(jobs)
    try:
        executor.run(plan, [Step("write", _writes_its_item, items())], [lambda: ticks.append(1)])
    finally:
        executor.close()
    assert came == [0, 1, 2, 3, 4]
    assert len(ticks) == 5
    assert sorted(p.name for p in tmp_path.glob("*.done")) == [f"{i}.done" for i in range(5)]
