"""Tests of the service layer: the command line and its readers."""

from pathlib import Path


def write(name: str, content: str | bytes) -> str:
    """Write ``content`` (str as UTF-8) to ``name`` under the current directory."""
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return name
