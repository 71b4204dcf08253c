"""Pytest fixtures that run real Redis servers: import the ones a test module or conftest needs.

Example::

    from tests.service.redis_fixtures import redis_server

    def test_ping(redis_server: RedisServer) -> None:
        with redis.Redis.from_url(redis_server.url) as client:
            assert client.ping() is True
"""

from collections.abc import Iterator

import pytest

from tests.service.redis_servers import RedisCluster, RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One standalone server shared by the whole session; tests must not stop it."""
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """One 3-master cluster shared by the whole session; tests must not stop it."""
    with RedisCluster() as cluster:
        yield cluster


@pytest.fixture
def fresh_redis_server() -> Iterator[RedisServer]:
    """A server of this test's own, which it may stop and restart."""
    with RedisServer() as server:
        yield server
