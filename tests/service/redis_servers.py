"""Real ``redis-server`` processes on loopback for tests: one standalone server or a 3-node cluster.

The stores are tested against a real Redis, never a mock (STYLE.md, convention 8). Each server
runs in its own temporary directory, persists nothing, and writes its log there, so a server
that fails to start can say why.

Example::

    with RedisServer() as server:
        client = redis.Redis.from_url(server.url)
        client.ping()
        client.close()
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

START_TIMEOUT = 10.0
CLUSTER_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
POLL_INTERVAL = 0.02
LOG_TAIL_LINES = 20
CLUSTER_NODES = 3

CREATE_OPTIONS = ("--cluster-replicas", "0", "--cluster-yes")
BASE_ARGS = ("--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now.

    Example::

        port = free_port()  # e.g. 41873
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def require_executable(name: str) -> str:
    """Return the path of ``name`` on PATH, or raise a RuntimeError that says how to install it.

    Example::

        redis_cli = require_executable("redis-cli")
    """
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(
            f"{name} not found: install the Debian package redis-server "
            "(apt-get install redis-server), or run scripts/test which installs it"
        )
    return path


def _log_tail(log_path: Path) -> str:
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log written)"
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(log is empty)"


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            # A server still loading answers -LOADING; only +PONG means ready.
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class _Started:
    """Started by ``with`` (``start()``), closed on leaving it (``close()``)."""

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class RedisServer(_Started):
    """One ``redis-server`` on 127.0.0.1 at a free port, in its own temporary directory.

    ``stop()`` and ``restart()`` keep the port and the directory; ``close()`` (or leaving the
    ``with`` block) also removes the directory.

    Example::

        with RedisServer() as server:
            server.restart()
            assert server.url == f"redis://127.0.0.1:{server.port}/0"
    """

    def __init__(self, extra_args: Sequence[str] = (), port: int | None = None) -> None:
        self._executable = require_executable("redis-server")
        self.port = free_port() if port is None else port
        self.extra_args = tuple(extra_args)
        self.directory = Path(tempfile.mkdtemp(prefix=f"redis-{self.port}-"))
        self.log_path = self.directory / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL redis-py's ``Redis.from_url`` takes: ``redis://127.0.0.1:PORT/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the server and wait until it answers PING.

        Raises RuntimeError with the tail of the server's log if it exits or stays silent.
        """
        if self.running:
            return
        args = [
            self._executable,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
            *BASE_ARGS,
            *self.extra_args,
        ]
        # The child keeps its own copy of the descriptor; ours closes at once, so no pipe or
        # file is left open to raise a ResourceWarning.
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                args, cwd=self.directory, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if _answers_ping(self.port):
                return
            if not self.running:
                break
            time.sleep(POLL_INTERVAL)
        exited = not self.running
        self.stop()
        reason = "exited" if exited else f"did not answer PING within {START_TIMEOUT:.0f} s"
        raise RuntimeError(
            f"redis-server on 127.0.0.1:{self.port} {reason}; last lines of {self.log_path}:\n"
            f"{_log_tail(self.log_path)}"
        )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers); keep its port and directory."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def restart(self) -> None:
        """Stop and start again on the same port and directory (data is not persisted)."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and remove its temporary directory."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _cluster_ports() -> tuple[int, int]:
    """A client port and a bus port, both free, for one cluster node."""
    while True:
        port, bus_port = free_port(), free_port()
        if port != bus_port:
            return port, bus_port


class RedisCluster(_Started):
    """Three ``redis-server`` masters in cluster mode on 127.0.0.1, no replicas.

    Example::

        with RedisCluster() as cluster:
            client = redis.cluster.RedisCluster(host="127.0.0.1", port=cluster.ports[0])
            client.set("key", "value")
            client.close()
    """

    def __init__(self) -> None:
        self._redis_cli = require_executable("redis-cli")
        self.nodes: list[RedisServer] = []
        for _ in range(CLUSTER_NODES):
            port, bus_port = _cluster_ports()
            # An explicit bus port, since port + 10000 may exceed 65535 or be taken.
            args = (
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "2000",
                "--cluster-port",
                str(bus_port),
            )
            self.nodes.append(RedisServer(extra_args=args, port=port))

    @property
    def ports(self) -> tuple[int, ...]:
        """The client ports of the three masters."""
        return tuple(node.port for node in self.nodes)

    @property
    def url(self) -> str:
        """One seed node, which is all redis-py's RedisCluster needs: ``redis+cluster://...``."""
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def start(self) -> None:
        """Start the nodes, join them into one cluster and wait until every node says it is ok."""
        try:
            for node in self.nodes:
                node.start()
            self._create()
            self._wait_until_ok()
        except BaseException:
            self.stop()
            raise

    def _create(self) -> None:
        addresses = [f"127.0.0.1:{port}" for port in self.ports]
        result = subprocess.run(
            [self._redis_cli, "--cluster", "create", *addresses, *CREATE_OPTIONS],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CLUSTER_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"redis-cli --cluster create {' '.join(addresses)} failed "
                f"(exit {result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def _cluster_info(self, port: int) -> str:
        result = subprocess.run(
            [self._redis_cli, "-p", str(port), "cluster", "info"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=STOP_TIMEOUT,
            check=False,
        )
        return result.stdout

    def _is_ok(self, port: int) -> bool:
        return "cluster_state:ok" in self._cluster_info(port)

    def _wait_until_ok(self) -> None:
        deadline = time.monotonic() + CLUSTER_TIMEOUT
        waiting = list(self.ports)
        while time.monotonic() < deadline:
            waiting = [port for port in waiting if not self._is_ok(port)]
            if not waiting:
                return
            time.sleep(0.1)
        details = "\n".join(f"127.0.0.1:{port}:\n{self._cluster_info(port)}" for port in waiting)
        raise RuntimeError(
            f"cluster on ports {self.ports} not ok within {CLUSTER_TIMEOUT:.0f} s; "
            f"still waiting on {waiting}:\n{details}"
        )

    def stop(self) -> None:
        """Stop every node (their directories stay until ``close()``)."""
        for node in self.nodes:
            node.stop()

    def close(self) -> None:
        """Stop every node and remove their temporary directories."""
        for node in self.nodes:
            node.close()
