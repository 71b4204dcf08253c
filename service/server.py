"""Run the service: one process, or ``--workers N`` processes sharing one port.

With several workers each process binds the port with ``SO_REUSEPORT`` and the kernel
spreads connections over them; Prometheus figures are merged across them through a
shared folder. SIGTERM or Ctrl-C stops accepting connections and lets in-flight
requests finish (up to ``shutdown_timeout`` seconds).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
import tempfile
from types import FrameType

from aiohttp import web

from service.app import IN_FLIGHT, JsonAccessLogger, create_app
from service.metrics import MULTIPROCESS_ENV
from service.settings import Settings


def configure_logging() -> None:
    """Service logs and JSON access logs on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("redite", "aiohttp.access"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False


def serve(settings: Settings) -> None:
    """Serve until SIGTERM or Ctrl-C."""
    if settings.workers == 1:
        _run_one(settings, reuse_port=False)
        return
    with tempfile.TemporaryDirectory(prefix="redite-metrics-") as folder:
        os.environ[MULTIPROCESS_ENV] = folder
        context = multiprocessing.get_context("spawn")
        workers = [
            context.Process(target=_worker, args=(settings,), name=f"redite-worker-{n}")
            for n in range(settings.workers)
        ]
        for worker in workers:
            worker.start()

        def forward(signum: int, frame: FrameType | None) -> None:
            del frame
            for worker in workers:
                if worker.pid is not None and worker.is_alive():
                    os.kill(worker.pid, signum)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        for worker in workers:
            worker.join()


def _worker(settings: Settings) -> None:
    _run_one(settings, reuse_port=True)


def _run_one(settings: Settings, reuse_port: bool) -> None:
    configure_logging()
    asyncio.run(_serve_until_stopped(settings, reuse_port))


async def _serve_until_stopped(settings: Settings, reuse_port: bool) -> None:
    """Serve; on SIGTERM or SIGINT stop accepting, let requests finish, then clean up."""
    log = logging.getLogger("redite.service")
    app = create_app(settings)
    runner = web.AppRunner(
        app,
        access_log_class=JsonAccessLogger,
        shutdown_timeout=settings.shutdown_timeout,
        handle_signals=False,
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port)
    await site.start()
    log.info(
        "redite serving on http://%s:%d (pid %d, index %s, preset %s)",
        settings.host,
        settings.port,
        os.getpid(),
        settings.store,
        settings.detector.preset_name() or "custom",
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
        await site.stop()  # no new connections
        deadline = loop.time() + settings.shutdown_timeout
        while app[IN_FLIGHT].count and loop.time() < deadline:
            await asyncio.sleep(0.05)
        if app[IN_FLIGHT].count:
            log.warning("%d requests still running at shutdown", app[IN_FLIGHT].count)
    finally:
        await runner.cleanup()
    log.info("redite stopped (pid %d)", os.getpid())
