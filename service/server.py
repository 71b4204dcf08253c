"""Run the service: one process, or ``--workers N`` processes sharing one port.

With several workers each process binds the port with ``SO_REUSEPORT`` and the kernel
spreads connections over them; Prometheus figures are merged across them through a
shared folder. SIGTERM or Ctrl-C stops accepting connections and lets in-flight
requests finish (up to ``shutdown_timeout`` seconds).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import tempfile
from types import FrameType

from aiohttp import web

from service.app import JsonAccessLogger, create_app
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
    where = f"http://{settings.host}:{settings.port}"
    logging.getLogger("redite.service").info(
        "redite serving on %s (pid %d, index %s)", where, os.getpid(), settings.store
    )
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        reuse_port=reuse_port,
        shutdown_timeout=settings.shutdown_timeout,
        access_log_class=JsonAccessLogger,
        print=None,
        handle_signals=True,
    )
