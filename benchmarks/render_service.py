"""The service section of BENCHMARKS.md, from ``benchmarks/results/service.json``."""

from __future__ import annotations

from typing import Any


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _machine(result: dict[str, Any]) -> str:
    m = result["machine"]
    return (
        f"{m.get('cpu')}, {m.get('cores')} cores, {m.get('memory')}; Python {m.get('python')}; "
        f"{result['redis']}; `redite serve --workers {result['workers']}`, the benchmark "
        f"client and Redis on the same machine; commit {result.get('commit')}"
    )


def render_markdown(result: dict[str, Any]) -> str:
    """The section text."""
    ds, rd, goals = result["datasketch"], result["redite"], result["targets"]
    last = rd["checkpoints"][-1]
    single, crowd = last["match"][0], last["match"][-1]
    bands, rows = result["config"]["bands_rows"]
    out = [
        "## Service: Redis store and HTTP API",
        "",
        f"Command: `{result['command']}` ({result['date']}).",
        "",
        f"Machine: {_machine(result)}.",
        "",
        f"Both sides index at the same banding ({bands} bands of {rows} rows, "
        f"{result['config']['num_perm']} permutations) on the same redis-server in the same "
        "run. A paragraph is a block between blank lines. datasketch indexes one MinHash per "
        "paragraph (built before its clock starts); redite indexes every sentence-sized unit "
        f"of a paragraph ({rd['paragraphs_per_article']:.1f} paragraphs per article here), "
        "so it stores more postings per paragraph than datasketch, each far smaller.",
        "",
        "### Targets",
        "",
        "| target | goal | measured |  |",
        "| --- | ---: | ---: | ---: |",
        f"| ingest through the store / datasketch insertion session | >= 50x | "
        f"{goals['store_ingest_ratio']:.1f}x | "
        f"{_met(goals['store_ingest_ratio'] >= goals['goals']['ingest_ratio'])} |",
        f"| ingest through `/v1/articles:bulk` / datasketch insertion session | >= 50x | "
        f"{goals['bulk_ingest_ratio']:.2f}x | "
        f"{_met(goals['bulk_ingest_ratio'] >= goals['goals']['ingest_ratio'])} |",
        f"| ingest through `/v1/articles:bulk?match=false` / datasketch insertion session | "
        f">= 50x | {goals['backfill_ingest_ratio']:.2f}x | "
        f"{_met(goals['backfill_ingest_ratio'] >= goals['goals']['ingest_ratio'])} |",
        f"| Redis bytes per paragraph (postings) / datasketch's | <= 0.1 | "
        f"{goals['memory_ratio']:.3f} | "
        f"{_met(goals['memory_ratio'] <= goals['goals']['memory_ratio'])} |",
        f"| `/v1/match` p99 at concurrency {crowd['concurrency']}, "
        f"{_n(last['paragraphs'])} paragraphs | <= 20 ms | {goals['match_p99_ms']:,.0f} ms | "
        f"{_met(goals['match_p99_ms'] <= goals['goals']['match_p99_ms'])} |",
        "",
        "### Side by side",
        "",
        "| figure | datasketch MinHashLSH (Redis) | redite |",
        "| --- | ---: | ---: |",
        f"| ingest, paragraphs/s | {_n(ds['session_paragraphs_per_s'])} (insertion session); "
        f"{_n(ds['single_paragraphs_per_s'])} (one at a time) | "
        f"{_n(rd['store_paragraphs_per_s'])} (store, 32 upserts in flight, band keys "
        f"precomputed); {_n(rd['bulk_paragraphs_per_s'])} (bulk endpoint: prepare, match "
        f"and index each article); {_n(rd['backfill_paragraphs_per_s'])} (bulk endpoint "
        "with `?match=false`: prepare and index) |",
        f"| preparing band keys, paragraphs/s (one process) | – | "
        f"{_n(rd['prepare_paragraphs_per_s'])} |",
        f"| Redis bytes per paragraph | {_n(ds['bytes_per_paragraph'])} "
        f"({_n(ds['paragraphs'])} paragraphs) | {_n(last['postings_bytes_per_paragraph'])} "
        f"postings + {_n(last['records_bytes_per_paragraph'])} article text and metadata "
        f"({_n(last['paragraphs'])} paragraphs) |",
        f"| query latency p50 / p99 | {ds['query_ms']['p50']:.1f} / {ds['query_ms']['p99']:.1f} "
        f"ms (`query()` alone, one at a time, {_n(ds['paragraphs'])} paragraphs) | "
        f"{single['p50_ms']:,.0f} / {single['p99_ms']:,.0f} ms (`/v1/match` of a whole "
        f"article over HTTP, one at a time); {crowd['p50_ms']:,.0f} / {crowd['p99_ms']:,.0f} "
        f"ms at concurrency {crowd['concurrency']}, {crowd['requests_per_s']:.1f} requests/s |",
        "",
        "### Growth",
        "",
        "| paragraphs | articles | postings B/paragraph | text B/paragraph | Redis MiB "
        "| bulk paragraphs/s (matched / `match=false`) | match p50 / p99 (c=1) "
        "| match p50 / p99 (c=32) | requests/s (c=32) | edited copies found |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for point in rd["checkpoints"]:
        one, many = point["match"][0], point["match"][-1]
        out.append(
            f"| {_n(point['paragraphs'])} | {_n(point['articles'])} | "
            f"{_n(point['postings_bytes_per_paragraph'])} | "
            f"{_n(point['records_bytes_per_paragraph'])} | "
            f"{point['used_memory_bytes'] / 2**20:,.0f} | {point['bulk_paragraphs_per_s']:,.0f} / "
            f"{point['backfill_paragraphs_per_s']:,.0f} | "
            f"{one['p50_ms']:,.0f} / {one['p99_ms']:,.0f} ms | "
            f"{many['p50_ms']:,.0f} / {many['p99_ms']:,.0f} ms | {many['requests_per_s']:.1f} | "
            f"{many['copies_found']:.2f} |"
        )
    ex = result["extrapolation"]
    cons = result["consistency"]
    out += [
        "",
        f"Extrapolated (linearly from the largest checkpoint, not measured): "
        f"{_n(ex['paragraphs'])} paragraphs would take {ex['postings_gib']:,.0f} GiB of "
        f"postings and {ex['total_gib']:,.0f} GiB with the article texts, with "
        f"`group_bits` raised to {ex['group_bits_for_100m']} so that bucket groups keep about "
        f"the size they have here. A Redis Cluster node with {ex['node_gib']:.0f} GiB for data "
        f"holds about {ex['paragraphs_per_node'] / 1e6:,.1f} M paragraphs; "
        f"{ex['nodes_for_100m']} such nodes hold 100 M. Lookups read a fixed number of "
        "small strings per query, so their cost does not grow with the index; verification "
        "grows with the candidates a query meets, which `max_candidates` bounds.",
        "",
        f"Consistency: {cons['articles']:,} composed articles ({cons['source']} text) "
        f"posted one by one through the bulk endpoint give {cons['service_pairs']:,} related "
        f"pairs; `check_corpus` on the same articles gives {cons['check_pairs']:,}; "
        f"{cons['same_pair_and_kind']:,} agree on pair and kind "
        f"({'identical' if cons['identical'] else 'not identical'}).",
    ]
    first = rd["checkpoints"][0]
    busy = crowd["concurrency"] / crowd["requests_per_s"] * 1000
    calls = rd.get("redis_usec_per_call", {})
    out += [
        "",
        "Reading:",
        "",
        "- **Ingest.** The store writes an article in two round trips; the second is one "
        "Lua call that reads, edits and rewrites every bucket group the article touches. "
        "Redis executes the writes on one core, and that core is the limit: "
        + (
            f"{calls['evalsha'] / 1000:.1f} ms of server time per call (an article's ~"
            f"{rd['paragraphs_per_article'] * 65:.0f} postings). "
            if "evalsha" in calls
            else "a few ms of server time per article. "
        )
        + f"Fifty times datasketch's session rate would be "
        f"{50 * ds['session_paragraphs_per_s']:,.0f} paragraphs/s, under a microsecond of "
        "server time per posting: less than Redis spends on one command. redite posts every "
        "sentence-sized unit under every band (about 65 postings per paragraph against "
        f"datasketch's {bands}), which is what finds a single reused sentence. The bulk "
        "endpoint also matches every article before indexing it (verifying up to "
        "`max_candidates` = 100 texts), and that dominates its rate; with `?match=false` "
        "it only prepares and stores, many articles at once.",
        f"- **Memory.** A paragraph costs {_n(last['postings_bytes_per_paragraph'])} bytes of "
        f"postings against datasketch's {_n(ds['bytes_per_paragraph'])}: about 65 postings "
        "of exactly 7 bytes (a 3-byte bucket field and a 4-byte handle, in plain strings of "
        "many buckets), plus Redis's bookkeeping of about 130 bytes per group key spread over "
        "the postings of each group. At 100,000 paragraphs most of the 2^20 groups hold few "
        f"postings, and their fixed cost makes a paragraph cost "
        f"{_n(first['postings_bytes_per_paragraph'])} bytes. The article records (compact "
        f"JSON with the text and its paragraphs and units) cost "
        f"{_n(last['records_bytes_per_paragraph'])} bytes per paragraph on top.",
        f"- **Latency.** At concurrency {crowd['concurrency']} both workers are saturated, "
        f"so a request waits for those ahead of it: {crowd['concurrency']} requests in "
        f"flight at {crowd['requests_per_s']:.0f} per second is {busy:,.0f} ms each on "
        "average (Little's law). p99 within 20 ms at this concurrency needs about 1,600 "
        "requests/s, about 1.25 ms of CPU per query on two cores, client and Redis "
        "included. The HTTP exchange, preparing the query and Redis reading its groups "
        "already cost more than that, measured each alone, before any verifying (the next "
        "section). One at a time, "
        f"a query takes {single['p50_ms']:,.0f} ms (p50) at "
        f"{_n(last['paragraphs'])} paragraphs and {first['match'][0]['p50_ms']:,.0f} ms at "
        f"{_n(first['paragraphs'])}: a lookup reads a fixed number of small groups, and "
        "candidates need `min_band_hits` shared buckets, so chance neighbours, which grow "
        "with the index, are seldom verified.",
        "- **Where a query's time goes.** A lookup reads the ~600 groups of the query's "
        "band keys with `MGET` and searches them in the worker (numpy); "
        + (
            f"Redis spends {calls['mget'] / 1000:.1f} ms per `MGET`. "
            if "mget" in calls
            else "Redis spends about 1 ms on it (a Lua script that searched in Redis took "
            "about 5 ms of the one Redis thread all workers share). "
        )
        + "Candidates are verified from the paragraphs and units kept in their records, "
        "without segmenting them again. What remains is Python in the worker: preparing "
        "the query, ranking candidates, and aligning each candidate (on this synthetic "
        "text most candidates are chance neighbours that verification drops).",
    ]
    # Notes added to the result after the run (checks made on the same machine that day).
    out.extend(f"- {note}" for note in result.get("notes", []))
    return "\n".join(out)
