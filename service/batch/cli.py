"""``redite dedupe`` wired to the job: options, executor, progress bars, summary."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TextIO

from tqdm import tqdm

from service.batch.executors import (
    DaskExecutor,
    Executor,
    JobError,
    LocalExecutor,
    default_jobs,
)
from service.batch.job import JobOptions, print_summary, run_job
from service.stores import (
    StoreError,
    StoreUnavailable,
    check_url,
    durability_warning,
    open_store,
)


def run_dedupe(
    options: JobOptions,
    *,
    jobs: int | None,
    engine: str,
    scheduler: str | None,
    resume: bool,
    quiet: bool,
) -> None:
    """Run the job the command line describes and print its summary on stderr."""
    if options.index and options.against is None:
        raise JobError("--index needs --against STORE: the index to add the corpus to")
    if options.against is not None:
        path = check_url(options.against)
        if path is not None:  # tasks may run elsewhere: name the file absolutely
            options = replace(options, against=f"sqlite:///{path.resolve()}")
        warning = _check_store(options)
        if warning is not None:
            tqdm.write(f"warning: {warning}", file=sys.stderr)
    out = options.out
    workers = jobs or default_jobs()
    executor: Executor = (
        DaskExecutor(scheduler, workers) if engine == "dask" else LocalExecutor(workers)
    )
    bars: list[tqdm[None] | LogLines] = []
    terminal = sys.stderr.isatty()

    def progress(step: str, total: int) -> Callable[[], None]:
        if bars:
            bars[-1].close()  # one step at a time: the previous one has ended
        unit = "articles" if step == "read" else "tasks"
        bar: tqdm[None] | LogLines
        if terminal or quiet:
            bar = tqdm(
                total=total or None,
                desc=f"{step:<11}",
                unit=f" {unit}",
                disable=quiet,
                file=sys.stderr,
                leave=True,
                dynamic_ncols=True,
            )
        else:
            bar = LogLines(step, total, unit)
        bars.append(bar)
        return lambda: bar.update(1)

    def say(message: str) -> None:
        if not quiet:
            tqdm.write(message, file=sys.stderr)

    try:
        summary = run_job(options, executor, progress, say, resume=resume)
    except KeyboardInterrupt:
        raise JobError(
            f"interrupted; the finished tasks are kept in {out}/.work: run the same command "
            "with --resume to continue"
        ) from None
    finally:
        for bar in bars:
            bar.close()
        executor.close()
    print_summary(summary, out)


class LogLines:
    """Progress for a log file (stderr is not a terminal, as under cron): a line now and
    then, and one when the step ends, instead of a bar redrawn at every tick.

    >>> import io
    >>> lines = LogLines("verify", 2, "tasks", every=3600.0, out=io.StringIO())
    >>> lines.update(1); lines.update(1); lines.close()
    >>> lines.out.getvalue().startswith("verify: 2/2 tasks in 0:00:0")
    True
    """

    def __init__(
        self, step: str, total: int, unit: str, *, every: float = 60.0, out: TextIO | None = None
    ) -> None:
        self.step, self.total, self.unit, self.every = step, total, unit, every
        self.out = sys.stderr if out is None else out
        self.done = 0
        self.started = self.said = time.monotonic()
        self.closed = False

    def update(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.said >= self.every:
            self.said = now
            self._line("so far")

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._line("in")

    def _line(self, when: str) -> None:
        elapsed = timedelta(seconds=round(time.monotonic() - self.started))
        counted = f"{self.done:,}/{self.total:,}" if self.total else f"{self.done:,}"
        print(f"{self.step}: {counted} {self.unit} {when} {elapsed}", file=self.out, flush=True)


def _check_store(options: JobOptions) -> str | None:
    """Fail now, not after the steps before the store's, when the store cannot be
    opened or reached; with ``--index``, why its writes could be lost, if they could."""
    assert options.against is not None

    async def ask() -> str | None:
        store = open_store(str(options.against), options.config)
        try:
            await store.ping()
            return await durability_warning(store) if options.index else None
        except (StoreError, StoreUnavailable) as error:
            raise JobError(f"--against {options.against}: {error}") from None
        finally:
            await store.close()

    return asyncio.run(ask())
