"""``redite dedupe`` wired to the job: options, executor, progress bars, summary."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace

from tqdm import tqdm

from service.batch.executors import (
    DaskExecutor,
    Executor,
    JobError,
    LocalExecutor,
    default_jobs,
)
from service.batch.job import JobOptions, print_summary, run_job
from service.stores import StoreUnavailable, check_url, durability_warning, open_store


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
        if options.index:
            warning = _durability(options)
            if warning is not None:
                tqdm.write(f"warning: {warning}", file=sys.stderr)
    out = options.out
    workers = jobs or default_jobs()
    executor: Executor = (
        DaskExecutor(scheduler, workers) if engine == "dask" else LocalExecutor(workers)
    )
    bars: list[tqdm[None]] = []

    def progress(step: str, total: int) -> Callable[[], None]:
        if bars:
            bars[-1].close()  # one step at a time: the previous one has ended
        bar: tqdm[None] = tqdm(
            total=total or None,
            desc=f"{step:<11}",
            unit=" articles" if step == "read" else " tasks",
            disable=quiet,
            file=sys.stderr,
            leave=True,
            dynamic_ncols=True,
        )
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


def _durability(options: JobOptions) -> str | None:
    """Why the writes of ``--index`` could be lost by the store, if they could (an
    unreachable store is left for the job to report)."""
    assert options.against is not None

    async def ask() -> str | None:
        store = open_store(str(options.against), options.config)
        try:
            return await durability_warning(store)
        except StoreUnavailable:
            return None
        finally:
            await store.close()

    return asyncio.run(ask())
