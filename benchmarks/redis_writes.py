"""Where an index write's Redis time goes: the store's edit script against appending.

The Redis store writes postings with a Lua script that reads each bucket group it
touches, checks and caps the posting, and writes the group back whole
(``service/stores/redis.py``). This benchmark asks whether appending would be faster,
on one ``redis-server`` started on a free loopback port:

1. **memory**: ``2**group_bits`` groups filled with ``--postings`` random 7-byte
   postings each, once written whole (``SET``) and once posting by posting
   (``APPEND``, in random order), ``INFO memory`` per group;
2. **time**: groups filled whole again, then ``--articles`` articles of ``--keys``
   postings each (a generated article of ~9 paragraphs posts about 570) into random
   groups, three ways, in rounds that each way leads in turn: the store's own edit script, a script
   that only ``APPEND``s each posting, and one pipelined ``APPEND`` command a posting.
   Redis's time per article is reported twice, medians over the rounds: the commands'
   own time (``INFO commandstats``, which leaves out parsing and the network) and the
   server's CPU time (``INFO cpu``, which includes them).

Nothing is asserted; the figures go to JSON and ``python -m benchmarks.render`` puts
them in BENCHMARKS.md.

    python -m benchmarks.redis_writes --out benchmarks/results/redis_writes.json
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import redis

from benchmarks.machine import git_commit, header, section_head, write_result
from benchmarks.service import used_memory
from service.stores.redis import _EDIT, _POSTING
from tests.service.redis_servers import RedisServer

APPEND_ONLY = """
local adds = ARGV[1]
for i = 1, #adds, 9 do
  local k = string.byte(adds, i) * 256 + string.byte(adds, i + 1) + 1
  redis.call('APPEND', KEYS[k], string.sub(adds, i + 2, i + 8))
end
return 0
"""
"""Appends each packed entry (2-byte key index, 7-byte posting), with no check."""

CHUNK = 20_000
"""Commands a pipeline while filling."""


def group_key(group: int) -> str:
    """A key shaped as the store's (prefix, hash tag, group)."""
    return f"bench:s20t128:b{{{group % 128:x}}}:{group:x}"


def fill_whole(client: redis.Redis, groups: int, postings: int, rng: random.Random) -> None:
    fill_named(client, [group_key(group) for group in range(groups)], postings, rng)


def fill_named(
    client: redis.Redis, names: Sequence[str], postings: int, rng: random.Random
) -> None:
    """Each of ``names`` set to ``postings`` random postings, written whole."""
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.set(name, rng.randbytes(_POSTING * postings))
        if len(pipe) >= CHUNK:
            pipe.execute()
    pipe.execute()


def fill_appended(client: redis.Redis, groups: int, postings: int, rng: random.Random) -> None:
    order = [group for group in range(groups) for _ in range(postings)]
    rng.shuffle(order)
    for start in range(0, len(order), CHUNK):
        pipe = client.pipeline(transaction=False)
        for group in order[start : start + CHUNK]:
            pipe.append(group_key(group), rng.randbytes(_POSTING))
        pipe.execute()


def memory_phase(client: redis.Redis, args: argparse.Namespace) -> dict[str, float]:
    groups, rng = 1 << args.group_bits, random.Random(1)
    per_group = {}
    for name, fill in (("set", fill_whole), ("append", fill_appended)):
        client.flushdb()
        before = used_memory(client)
        fill(client, groups, args.postings, rng)
        per_group[name] = (used_memory(client) - before) / groups
        print(f"  memory filled by {name}: {per_group[name]:.0f} bytes a group", file=sys.stderr)
    return {
        "set_bytes_per_group": per_group["set"],
        "append_bytes_per_group": per_group["append"],
        "append_over_set": per_group["append"] / per_group["set"],
        "posting_bytes_per_group": float(_POSTING * args.postings),
    }


Article = tuple[list[str], bytes]
"""The group keys an article's postings go to, and its packed entries."""


def articles(args: argparse.Namespace, rng: random.Random) -> list[Article]:
    groups = 1 << args.group_bits
    made = []
    for _ in range(args.articles):
        keys = [group_key(g) for g in rng.sample(range(groups), args.keys)]
        packed = b"".join(i.to_bytes(2, "big") + rng.randbytes(_POSTING) for i in range(len(keys)))
        made.append((keys, packed))
    return made


def redis_usec(client: redis.Redis, command: str) -> float:
    stats = client.info("commandstats").get(f"cmdstat_{command}", {})
    return float(stats.get("usec", 0))


def redis_cpu(client: redis.Redis) -> float:
    """Seconds of CPU the server has used (its main thread and the rest)."""
    cpu = client.info("cpu")
    return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])


def time_phase(client: redis.Redis, args: argparse.Namespace) -> dict[str, Any]:
    client.flushdb()
    fill_whole(client, 1 << args.group_bits, args.postings, random.Random(2))
    edit, append_only = client.script_load(_EDIT), client.script_load(APPEND_ONLY)
    cap = 501  # the default cap of 500, plus the one that marks a bucket hot

    def by_edit(article: Article) -> None:
        keys, packed = article
        client.evalsha(edit, len(keys), *keys, cap, packed, b"")

    def by_append_script(article: Article) -> None:
        keys, packed = article
        client.evalsha(append_only, len(keys), *keys, packed)

    def by_append_commands(article: Article) -> None:
        keys, packed = article
        pipe = client.pipeline(transaction=False)
        for i, key in enumerate(keys):
            pipe.append(key, packed[i * 9 + 2 : i * 9 + 9])
        pipe.execute()

    ways: dict[str, tuple[str, Callable[[Article], None]]] = {
        "edit_script": ("evalsha", by_edit),
        "append_script": ("evalsha", by_append_script),
        "append_commands": ("append", by_append_commands),
    }
    rounds: dict[str, list[float]] = {name: [] for name in ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    rng = random.Random(3)
    names = list(ways)
    for number in range(args.rounds):
        for name in names[number % 3 :] + names[: number % 3]:  # each way leads a round
            command, write = ways[name]
            batch = articles(args, rng)
            client.config_resetstat()
            before = redis_cpu(client)
            for article in batch:
                write(article)
            cpu[name].append((redis_cpu(client) - before) / len(batch) * 1000)
            rounds[name].append(redis_usec(client, command) / len(batch) / 1000)
        print(f"  round {number + 1}: " + ", ".join(
            f"{name} {values[-1]:.2f} ms" for name, values in rounds.items()
        ), file=sys.stderr)  # fmt: skip
    median = {name: statistics.median(values) for name, values in rounds.items()}
    return {
        "redis_ms_per_article": median,
        "redis_cpu_ms_per_article": {name: statistics.median(v) for name, v in cpu.items()},
        "rounds": rounds,
        "redis_us_per_key": {name: ms * 1000 / args.keys for name, ms in median.items()},
        "edit_over_append_script": median["edit_script"] / median["append_script"],
    }


def render_markdown(result: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    params, memory, timing = result["params"], result["memory"], result["time"]
    ways = (
        ("edit_script", "the store's edit script (check, cap, group written back whole)"),
        ("append_script", "a script that only `APPEND`s each posting"),
        ("append_commands", "one pipelined `APPEND` command a posting"),
    )
    cheapest = min(timing["redis_us_per_key"].values())
    rows = [
        f"| {label} | {timing['redis_ms_per_article'][name]:.2f} | "
        f"{timing['redis_cpu_ms_per_article'][name]:.2f} | "
        f"{timing['redis_us_per_key'][name]:.1f} |"
        for name, label in ways
    ]
    return "\n".join(
        [
            *section_head("Redis writes: the edit script against appending", result),
            f"{params['groups']:,} bucket groups pre-filled with "
            f"{params['postings_per_group']} postings each, then rounds of "
            f"{params['articles_per_round']:,} articles of {params['postings_per_article']} "
            f"postings into random groups, each way leading a round in turn "
            f"({params['rounds']} rounds, medians). Redis's time per article: the commands' "
            "own (`INFO commandstats`) and the server's CPU (`INFO cpu`, parsing and network "
            "included).",
            "",
            "| write | Redis ms an article | Redis CPU ms an article | µs a group |",
            "| --- | ---: | ---: | ---: |",
            *rows,
            "",
            f"Memory of the same groups: {memory['set_bytes_per_group']:.0f} bytes a group "
            f"written whole, {memory['append_bytes_per_group']:.0f} filled by `APPEND` "
            f"({memory['append_over_set']:.2f}x; the postings themselves are "
            f"{memory['posting_bytes_per_group']:.0f} bytes). The cheapest write here costs "
            f"Redis {cheapest:.1f} µs a group, so an article's "
            f"{params['postings_per_article']} groups take at least "
            f"{cheapest * params['postings_per_article'] / 1000:.2f} ms of Redis's one "
            'thread (docs/service.md, "Where the script\'s time goes").',
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.redis_writes",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--group-bits", type=int, default=18, help="2**bits groups (18)")
    parser.add_argument(
        "--postings",
        type=int,
        default=62,
        help="postings a group holds before the writes (62: a million paragraphs at 2**20)",
    )
    parser.add_argument("--articles", type=int, default=1000, help="articles a round (1000)")
    parser.add_argument("--keys", type=int, default=566, help="postings an article (566)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of the three ways (4)")
    parser.add_argument("--out", type=Path, default=None, help="result JSON (default: stdout)")
    args = parser.parse_args(argv)
    if not 8 <= args.group_bits <= 24 or args.keys > 1 << args.group_bits:
        parser.error("--group-bits must be in [8, 24] and --keys at most 2**group-bits")
    commit = git_commit()
    with RedisServer() as server:
        client = redis.Redis.from_url(server.url)
        try:
            print("memory", file=sys.stderr)
            memory = memory_phase(client, args)
            print("time", file=sys.stderr)
            timing = time_phase(client, args)
        finally:
            client.flushdb()
            client.close()
    result = {
        **header("redis_writes", argv),
        "commit": commit,
        "params": {
            "groups": 1 << args.group_bits,
            "postings_per_group": args.postings,
            "articles_per_round": args.articles,
            "postings_per_article": args.keys,
            "rounds": args.rounds,
        },
        "memory": memory,
        "time": timing,
    }
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
