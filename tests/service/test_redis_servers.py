import pytest
import redis
from redis.cluster import RedisCluster as ClusterClient

from tests.service.redis_servers import RedisCluster, RedisServer, free_port

# Until conftest imports them, the fixtures come in here; pytest finds them by name.


def test_free_port_can_be_bound_on_loopback() -> None:
    port = free_port()
    assert 0 < port < 65536


def test_standalone_server_answers_ping(redis_server: RedisServer) -> None:
    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    with redis.Redis.from_url(redis_server.url) as client:
        assert client.ping() is True


def test_restart_keeps_the_port_and_answers_again(fresh_redis_server: RedisServer) -> None:
    port = fresh_redis_server.port
    with redis.Redis.from_url(fresh_redis_server.url) as client:
        client.set("before", "restart")
        pid_before = client.info("server")["process_id"]
    fresh_redis_server.restart()
    assert fresh_redis_server.port == port
    with redis.Redis.from_url(fresh_redis_server.url) as client:
        assert client.ping() is True
        assert client.info("server")["process_id"] != pid_before
        # Nothing is persisted, so a real restart starts empty.
        assert client.get("before") is None


def test_stopped_server_refuses_connections(fresh_redis_server: RedisServer) -> None:
    fresh_redis_server.stop()
    assert not fresh_redis_server.running
    with (
        redis.Redis.from_url(fresh_redis_server.url) as client,
        pytest.raises(redis.ConnectionError),
    ):
        client.ping()


def test_cluster_has_three_masters_and_spreads_keys_over_them(
    redis_cluster: RedisCluster,
) -> None:
    assert len(redis_cluster.ports) == 3
    assert redis_cluster.url == f"redis+cluster://127.0.0.1:{redis_cluster.ports[0]}"
    # "a", "b" and "c" hash to slots 15495, 3300 and 7365: one in each third of the slots.
    keys = ["a", "b", "c"]
    with ClusterClient(host="127.0.0.1", port=redis_cluster.ports[0]) as client:
        assert len(client.get_primaries()) == 3
        assert len({client.keyslot(key) for key in keys}) == 3
        owners = {client.get_node_from_key(key).port for key in keys}
        assert owners == set(redis_cluster.ports)
        for key in keys:
            assert client.set(key, f"value-{key}") is True
        for key in keys:
            assert client.get(key) == f"value-{key}".encode()
            owner = client.get_node_from_key(key).port
            with redis.Redis(host="127.0.0.1", port=owner) as node:
                assert node.get(key) == f"value-{key}".encode()
        client.delete(*keys)


def test_missing_redis_server_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match=r"redis-server not found: install the Debian package"):
        RedisServer()
