"""Where the tasks of ``redite dedupe`` run: local processes, or a Dask cluster.

Both run the same task functions (:mod:`service.batch.steps`) over the same work
directory; only the scheduling differs. A step is a list of independent tasks; the next
step starts when all of them are done.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from detector.errors import RediteError
from service.batch.steps import Plan

Task = Callable[[Plan, int], None]
Tick = Callable[[], None]


class JobError(RediteError, RuntimeError):
    """A task of the job failed; the message names the step and the task."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step: a task function and the items (partitions or shards) it still has to do.

    ``items`` may be an iterable that produces them as they become ready (the read step
    yields each partition once written): an executor with workers starts each task as
    its item comes, and ticks once the last has come.
    """

    name: str
    task: Task
    items: Iterable[int]


class Executor(Protocol):
    def run(self, plan: Plan, steps: Sequence[Step], ticks: Sequence[Tick]) -> None:
        """Run the steps in order; ``ticks[i]`` is called as each task of step i ends."""
        ...

    def close(self) -> None: ...


def default_jobs() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class LocalExecutor:
    """Tasks in ``jobs`` worker processes (in this process when ``jobs`` is 1)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None

    def run(self, plan: Plan, steps: Sequence[Step], ticks: Sequence[Tick]) -> None:
        for step, tick in zip(steps, ticks, strict=True):
            if self._pool is None:
                for item in list(step.items):  # items given lazily all come first
                    _guarded(step.name, step.task, plan, item)
                    tick()
                continue
            futures: dict[Future[None], int] = {
                self._pool.submit(_guarded, step.name, step.task, plan, item): item
                for item in step.items
            }
            pending = set(futures)
            while pending:  # each task's tick as it ends: the progress bar moves
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    error = future.exception()
                    if error is not None:
                        for other in pending:
                            other.cancel()
                        raise error
                    tick()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


class DaskExecutor:
    """Tasks on a ``dask.distributed`` cluster: the one at ``scheduler``, else a
    LocalCluster of ``jobs`` single-threaded worker processes. Every worker must see the
    work directory at the same path (a shared file system on a multi-machine cluster).

    The steps of one ``run`` are submitted at once as one graph: each task of a step
    depends on every task of the step before it. A step's tasks are submitted as its
    items come: the job's first run is the fingerprint step, fed by the read.
    """

    def __init__(self, scheduler: str | None, jobs: int) -> None:
        try:
            self._distributed: Any = importlib.import_module("distributed")  # optional extra
        except ImportError:
            raise JobError(
                "--engine dask needs dask.distributed: pip install 'redite[dask]'"
            ) from None
        self._cluster: Any = None
        self._client: Any
        if scheduler is None:
            self._cluster = self._distributed.LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._client = self._distributed.Client(self._cluster)
        else:
            try:
                self._client = self._distributed.Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as error:
                raise JobError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None

    def run(self, plan: Plan, steps: Sequence[Step], ticks: Sequence[Tick]) -> None:
        before: list[Any] = []
        submitted = []
        for step in steps:
            futures = [
                self._client.submit(
                    _after,
                    step.name,
                    step.task,
                    plan,
                    item,
                    before,
                    key=f"{step.name}-{item}",
                    pure=False,
                )
                for item in step.items
            ]
            submitted.append(futures)
            before = futures or before
        for futures, tick in zip(submitted, ticks, strict=True):
            for future in self._distributed.as_completed(futures):
                future.result()  # raises the task's error here
                tick()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _after(name: str, task: Task, plan: Plan, item: int, before: Sequence[Any]) -> None:
    del before  # only there so that Dask runs this task after them
    _guarded(name, task, plan, item)


def _guarded(name: str, task: Task, plan: Plan, item: int) -> None:
    """A task, its unexpected errors named by step and item (only the task function and
    its arguments travel to the worker, never the step's items)."""
    try:
        task(plan, item)
    except RediteError:
        raise
    except Exception as error:
        raise JobError(f"step {name}, task {item}: {type(error).__name__}: {error}") from error
