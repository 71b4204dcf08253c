"""What a benchmark ran on (machine, Python, package versions, git commit), and where its
result goes."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.data import REPO_ROOT

PACKAGES = ("numpy", "datasketch", "xxhash", "rapidfuzz", "scikit-learn", "rensa")


def header(benchmark: str, argv: Sequence[str] | None) -> dict[str, Any]:
    """The fields a result JSON starts with: the benchmark, the command that reproduces it
    (``python -m benchmarks.<benchmark>`` with ``argv``, or this process's arguments),
    when it ran, and on what."""
    shown = sys.argv[1:] if argv is None else list(argv)
    return {
        "benchmark": benchmark,
        "command": shlex.join(["python", "-m", f"benchmarks.{benchmark}", *shown]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }


def section_head(title: str, result: dict[str, Any]) -> list[str]:
    """A BENCHMARKS.md section's first lines: its title, the command and date, and the
    machine, Python and commit of ``result`` (a result JSON that starts with
    :func:`header`'s fields and has a ``commit``)."""
    m = result["machine"]
    return [
        f"## {title}",
        "",
        f"Command: `{result['command']}` ({result['date']}).",
        "",
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory')}; "
        f"Python {m.get('python')}; commit {result.get('commit')}.",
        "",
    ]


def write_result(result: dict[str, Any], out: Path | None) -> None:
    """The result JSON into ``out`` (its folder made), or on stdout without one."""
    text = json.dumps(result, ensure_ascii=False, indent=1) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


def machine() -> dict[str, object]:
    """CPU, cores, memory, Python, platform and versions of the packages that matter."""
    cpu = platform.processor() or platform.machine()
    memory = None
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass  # not Linux: keep what platform says
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "git": git_commit(),
        "page_reclaim": page_reclaim(),
    }


def page_reclaim(root: Path = Path("/sys/kernel/mm/damon/admin/kdamonds")) -> str | None:
    """What proactive reclaim the kernel runs, if any: DAMON schemes that page out memory
    left idle (file pages included), which keeps a benchmark's files out of the page
    cache whatever memory is free. None when there is none (or no way to tell)."""
    found = []
    try:
        for kdamond in sorted(root.glob("[0-9]*")):
            if (kdamond / "state").read_text(encoding="utf-8").strip() != "on":
                continue
            for context in sorted(kdamond.glob("contexts/[0-9]*")):
                aggregate_us = int(
                    (context / "monitoring_attrs/intervals/aggr_us").read_text(encoding="utf-8")
                )
                for scheme in sorted(context.glob("schemes/[0-9]*")):
                    if (scheme / "action").read_text(encoding="utf-8").strip() != "pageout":
                        continue
                    age = int((scheme / "access_pattern/age/min").read_text(encoding="utf-8"))
                    found.append(age * aggregate_us / 1e6)
    except (OSError, ValueError):
        return None
    if not found:
        return None
    return f"pages out memory left idle for {min(found):.0f} s (DAMON, action pageout)"


def git_commit() -> str | None:
    """The checked-out commit, with ``+dirty`` when tracked files have changes."""
    try:
        head = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()
