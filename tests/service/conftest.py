from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test here runs in its own empty directory, so paths in messages are short."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
