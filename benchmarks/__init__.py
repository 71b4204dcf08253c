"""redite's benchmarks: corpus generators, baselines, scorers and the report renderer.

Nothing here is imported by ``detector`` or ``service`` (``redite bench`` imports a
benchmark only when asked to run it). Results are written as JSON under
``benchmarks/results/`` and rendered into ``BENCHMARKS.md`` by
``python -m benchmarks.render``.
"""

SUITES: dict[str, str] = {
    "accuracy": "both corpora, the engine beside datasketch's recipes (~4 min)",
    "speed": "fold, segment, shingle and sign, beside datasketch (~2 min)",
    "sweep": "the engine under one-parameter changes, both corpora (~13 min)",
    "misses": "the step that loses each missed impresso pair (~1 min)",
    "impresso": "one detector on the impresso passages, figures printed (~1 min)",
    "service": "Redis store and HTTP service, beside datasketch (~15 min)",
    "floors": "the least CPU each step of a match or a write costs, ceilings (~1 min)",
    "redis_writes": "Redis's time a posting: the store's edit script against appending (~3 min)",
    "embedded": "how far the embedded SQLite store goes: ingest, size, latency (~6 min)",
    "dedupe": "the batch job, 10k to 1M articles, beside datasketch (~25 min)",
    "corpus": "write the composed corpus and its truth to a folder",
    "render": "BENCHMARKS.md from the JSON results",
}
"""``redite bench NAME``: each runs ``benchmarks.NAME``'s ``main``, with what it does."""
