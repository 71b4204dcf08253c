from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test here runs in its own empty directory, so paths in messages are short."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# Real Redis servers for the store and service tests (started on first use).
from tests.service.redis_fixtures import (  # noqa: E402
    fresh_redis_server,
    redis_cluster,
    redis_server,
)

__all__ = ["fresh_redis_server", "in_tmp", "redis_cluster", "redis_server"]
