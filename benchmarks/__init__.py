"""redite's benchmarks: corpus generators, baselines, scorers and the report renderer.

Nothing here is imported by ``detector`` or ``service``. Results are written as JSON
under ``benchmarks/results/`` and rendered into ``BENCHMARKS.md`` by
``python -m benchmarks.render``.
"""
