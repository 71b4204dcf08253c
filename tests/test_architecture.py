"""The engine stays pure: ``detector`` reaches no network, file, environment or clock,
and never imports ``service`` (DESIGN.md "Two layers", STYLE.md convention 1).

The check reads the source with ``ast``, so it also covers code paths no test runs.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DETECTOR_FILES = sorted((ROOT / "detector").rglob("*.py"))

FORBIDDEN_MODULES = {
    "aiohttp",
    "redis",
    "sqlite3",
    "dask",
    "distributed",
    "requests",
    "httpx",
    "urllib",
    "socket",
    "service",
}
FORBIDDEN_CALLS = {
    "open": "opens a file",
    "io.open": "opens a file",
    "os.getenv": "reads the environment",
    "os.putenv": "writes the environment",
}
FILE_METHODS = {"open", "read_text", "read_bytes", "write_text", "write_bytes"}
CLOCKS = {
    "time.time",
    "time.time_ns",
    "time.monotonic",
    "time.perf_counter",
    "datetime.now",
    "datetime.utcnow",
    "datetime.today",
    "date.today",
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.date.today",
}


def dotted(node: ast.expr) -> str:
    """``a.b.c`` for a chain of attributes on a name, else ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def impurities(source: str) -> Iterator[str]:
    """Every use of the outside world in ``source``, as "line N: what"."""
    for node in ast.walk(ast.parse(source)):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                    yield f"{where}: imports {alias.name}"
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.split(".")[0] in FORBIDDEN_MODULES:
                yield f"{where}: imports from {module}"
            if module == "os" and any(a.name in {"environ", "getenv"} for a in node.names):
                yield f"{where}: imports the environment from os"
            if module == "io" and any(a.name == "open" for a in node.names):
                yield f"{where}: imports io.open"
        elif isinstance(node, ast.Attribute) and dotted(node) == "os.environ":
            yield f"{where}: reads os.environ"
        elif isinstance(node, ast.Call):
            name = dotted(node.func)
            if name in FORBIDDEN_CALLS:
                yield f"{where}: calls {name}() which {FORBIDDEN_CALLS[name]}"
            elif isinstance(node.func, ast.Attribute) and node.func.attr in FILE_METHODS:
                yield f"{where}: calls .{node.func.attr}() on a path or file"
            elif name in {"__import__", "importlib.import_module"}:
                yield f"{where}: imports a module by name at run time"


def clocks(source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and dotted(node.func) in CLOCKS:
            yield f"line {node.lineno}: reads the clock with {dotted(node.func)}()"


def test_there_is_an_engine_to_check() -> None:
    assert ROOT / "detector" / "__init__.py" in DETECTOR_FILES


@pytest.mark.parametrize("path", DETECTOR_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_detector_reaches_no_network_file_or_environment(path: Path) -> None:
    found = list(impurities(path.read_text(encoding="utf-8")))
    assert not found, f"{path.relative_to(ROOT)} must stay pure (DESIGN.md): {found}"


@pytest.mark.parametrize("path", DETECTOR_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_detector_reads_no_clock(path: Path) -> None:
    found = list(clocks(path.read_text(encoding="utf-8")))
    assert not found, f"{path.relative_to(ROOT)} must not read clocks (DESIGN.md): {found}"


@pytest.mark.parametrize(
    "source",
    [
        "import redis",
        "import redis.asyncio as r",
        "from aiohttp import web",
        "import sqlite3",
        "from dask import delayed",
        "import requests",
        "import socket",
        "from service.readers import read_inputs",
        "import service.cli",
        "import os\nx = os.environ['X']",
        "import os\nx = os.environ.get('X')",
        "from os import environ",
        "import os\nos.getenv('X')",
        "open('f')",
        "with open('f') as f: pass",
        "from pathlib import Path\nPath('f').read_text()",
        "import io\nio.open('f')",
        "__import__('redis')",
    ],
)
def test_the_scan_catches_impurities(source: str) -> None:
    assert list(impurities(source))


@pytest.mark.parametrize(
    "source",
    [
        "import os.path",
        "from detector.model import Article",
        "from . import model",
        "import xxhash, numpy, datasketch, rapidfuzz",
        "text.count('open')",
        "def opener(): pass\nopener()",
    ],
)
def test_the_scan_lets_pure_code_through(source: str) -> None:
    assert not list(impurities(source))


def test_the_clock_scan_catches_clocks() -> None:
    assert list(clocks("import time\ntime.time()"))
    assert list(clocks("from datetime import datetime\ndatetime.now()"))
    assert not list(clocks("from datetime import datetime\ndatetime.fromisoformat('x')"))


def imported_modules(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_service_is_the_layer_that_imports_detector() -> None:
    service_imports = set().union(
        *(imported_modules(p.read_text(encoding="utf-8")) for p in (ROOT / "service").rglob("*.py"))
    )
    assert any(name.split(".")[0] == "detector" for name in service_imports)
