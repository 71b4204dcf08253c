"""The batch section of BENCHMARKS.md, from ``benchmarks/results/dedupe.json``."""

from __future__ import annotations

import re
import statistics
from itertools import pairwise
from pathlib import Path
from typing import Any


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


_IMPRESSO_RUNS = (("dedupe", ""), ("dedupe_ocr", ", --preset ocr"))
"""The batch job's impresso runs: result key, and what the label adds."""


def _gib(value: float) -> str:
    return f"{value / 2**30:.2f} GiB"


def render_markdown(result: dict[str, Any], plot: Path | None = None, link: str = "") -> str:
    """The section text; with ``plot``, also the growth plot (PNG) linked as ``link``."""
    goals = result["targets"]
    composed = result["accuracy"]["composed"]
    engine, batch = composed["engine"], composed["dedupe"]
    impresso = result["accuracy"]["impresso"]
    scale = result["scale"]
    largest = scale[-1]
    ds = result["datasketch"]
    m = result["machine"]
    rows = [
        ("composed: related-pair F1", f">= {goals['f1']}", batch["pairs"]["f1"],
         batch["pairs"]["f1"] >= goals["f1"]),
        ("composed: precision", f">= {goals['precision']}", batch["pairs"]["precision"],
         batch["pairs"]["precision"] >= goals["precision"]),
        ("composed: cluster ARI", f">= {goals['ari']}", batch["cluster_ari"],
         batch["cluster_ari"] >= goals["ari"]),
    ]  # fmt: skip
    for name, label in _IMPRESSO_RUNS:
        if "recall" in impresso.get(name, {}):
            recall = impresso[name]["recall"]
            rows.append((f"impresso{label}: recall of passim pairs",
                         f">= {goals['impresso_recall']}", recall,
                         recall >= goals["impresso_recall"]))  # fmt: skip
    if largest["articles"] >= 1_000_000:
        rows += [
            (f"{largest['articles']:,} articles: wall time", "<= 900 s",
             f"{largest['seconds']:,.1f} s",
             largest["seconds"] <= goals["seconds_1m"]),
            (f"{largest['articles']:,} articles: peak memory", "<= 6 GiB",
             _gib(largest["peak_rss_bytes"]), largest["peak_rss_bytes"] <= 6 * 2**30),
        ]  # fmt: skip
    rows.append((f"{ds['articles']:,} articles: throughput / datasketch per-paragraph", ">= 5x",
                 f"{result['datasketch_ratio']:.2f}x",
                 result["datasketch_ratio"] >= goals["datasketch_ratio"]))  # fmt: skip
    out = [
        "## Batch job: redite dedupe",
        "",
        f"Command: `{result['command']}` ({result['date']}).",
        "",
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory')}; Python "
        f"{m.get('python')}; commit {result.get('commit')}. `redite dedupe` runs in a "
        "subprocess with its default `--jobs` (every core); peak memory is the largest sum "
        "of the resident memory of it and its workers, sampled every 0.2 s.",
        "",
        "### Targets",
        "",
        "| target | goal | measured |  |",
        "| --- | ---: | ---: | ---: |",
        *(f"| {name} | {goal} | {_fmt(value)} | {_met(ok)} |" for name, goal, value, ok in rows),
        "",
        f"### Accuracy ({result['accuracy']['corpus_articles']:,} composed articles)",
        "",
        "| detector | precision | recall | F1 | kind accuracy | cluster ARI | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, run in (("`redite check` (check_corpus)", engine), ("`redite dedupe`", batch)):
        p = run["pairs"]
        out.append(
            f"| {name} | {p['precision']:.3f} | {p['recall']:.3f} | {p['f1']:.3f} | "
            f"{p['kind']['accuracy']:.3f} | {run['cluster_ari']:.3f} | {run['seconds']} |"
        )
    for name, label in _IMPRESSO_RUNS:
        if "recall" in impresso.get(name, {}):
            d = impresso[name]
            out += [
                "",
                f"impresso through `redite dedupe`{label}: recall {d['recall']:.3f}, silver "
                f"precision {d['silver_precision']:.3f}.",
            ]
    out += ["", "The engine's own impresso figures are in the Accuracy section."]
    out += [
        "",
        "### Scale (generated corpora: about 3 KB an article, 4% republished with edits)",
        "",
        "| articles | MB | wall time | articles/s | peak memory | work dir | planted copies found "
        "|" + (" anonymous memory |" if any("peak_anonymous_bytes" in x for x in scale) else ""),
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        + (" ---: |" if any("peak_anonymous_bytes" in x for x in scale) else ""),
    ]
    for s in scale:
        out.append(
            f"| {s['articles']:,} | {s['megabytes']:,.0f} | {s['seconds']:,.1f} s | "
            f"{s['articles_per_s']:,.0f} | {_gib(s['peak_rss_bytes'])} | "
            f"{_gib(s['work_dir_bytes'])} | {s['planted']['found']:,} / "
            f"{s['planted']['planted']:,} |"
            + (f" {_gib(s['peak_anonymous_bytes'])} |" if "peak_anonymous_bytes" in s else "")
        )
    for small, big in pairwise(scale):
        factor = big["articles"] / small["articles"]
        out.append(
            f"\nFrom {small['articles']:,} to {big['articles']:,} articles ({factor:.0f}x): "
            f"wall time x{big['seconds'] / small['seconds']:.1f}, peak memory "
            f"x{big['peak_rss_bytes'] / small['peak_rss_bytes']:.1f}."
        )
    steps = [(x["articles"], _step_seconds(x["summary"])) for x in scale]
    names = list(dict.fromkeys(name for _, found in steps for name in found))
    out += [
        "",
        "Where the time goes (seconds per step, from the job's own summary):",
        "",
        "| articles | " + " | ".join(names) + " |",
        "| ---: |" + " ---: |" * len(names),
        *(
            f"| {n:,} | " + " | ".join(f"{found.get(name, 0):,.1f}" for name in names) + " |"
            for n, found in steps
        ),
    ]
    out += _against(result.get("against"))
    out += ["", *_side_by_side(result)]
    out += [
        "",
        "Reading:",
        "",
        *_reading(result, dict(steps)),
    ]
    if plot is not None:
        _plot(scale, plot)
        out += ["", f"![wall time and peak memory by corpus size]({link})"]
    return "\n".join(out)


def _against(against: dict[str, Any] | None) -> list[str]:
    """The nightly job against a Redis archive: each night's time by step."""
    if not against:
        return []
    nights = [(night, _step_seconds(night["summary"])) for night in against["nights"]]
    names = list(dict.fromkeys(name for _, found in nights for name in found))
    return [
        "",
        f"Against an archive (`--against redis://... --index`, {against['redis']}): the "
        "first night fills the archive, the second matches tonight's articles against it "
        "and adds them. Seconds per step:",
        "",
        "| articles | in the archive before | wall time | pairs with the archive | "
        + " | ".join(names)
        + " |",
        "| ---: | ---: | ---: | ---: |" + " ---: |" * len(names),
        *(
            f"| {night['articles']:,} | {night['archive_before']:,} | {night['seconds']:,.1f} s "
            f"| {night['pairs_against_archive']:,} | "
            + " | ".join(f"{found.get(name, 0):,.1f}" for name in names)
            + " |"
            for night, found in nights
        ),
    ]


def _step_seconds(summary: list[str]) -> dict[str, float]:
    """``{"read": 4.5, ...}`` from the summary's ``time: ... (read 4.5, ...)`` line."""
    line = next((x for x in summary if x.strip().startswith("time:")), "")
    return {
        name: float(value.replace(",", ""))
        for name, value in re.findall(r"(\w+) ([\d.,]+)", line.partition("(")[2])
    }


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.0f}"
    return str(value)


def _plot(scale: list[dict[str, Any]], path: Path) -> None:
    import matplotlib as mpl  # noqa: PLC0415

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    sizes = [s["articles"] for s in scale]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    left.loglog(sizes, [s["seconds"] for s in scale], "o-")
    left.set_xlabel("articles")
    left.set_ylabel("wall time (s)")
    right.loglog(sizes, [s["peak_rss_bytes"] / 2**30 for s in scale], "o-", color="#dd8452")
    right.set_xlabel("articles")
    right.set_ylabel("peak memory (GiB)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _side_by_side(result: dict[str, Any]) -> list[str]:
    """datasketch's recipe against redite dedupe: each round, or the one run of older
    results."""
    ds = result["datasketch"]
    recipe = (
        "datasketch's per-paragraph recipe (word 5-grams, 128 permutations, MinHashLSH at "
        f"0.5, one process) on the same {ds['articles']:,} articles"
    )
    rounds = result.get("side_by_side")
    if not rounds:
        return [
            f"{recipe}: {ds['seconds']:,.1f} s, {ds['articles_per_s']:,.0f} articles/s, peak "
            f"{_gib(ds['peak_rss_bytes'])}; redite dedupe is {result['datasketch_ratio']:.2f}x "
            "its throughput."
        ]
    return [
        f"{recipe}, in {len(rounds)} round{'' if len(rounds) == 1 else 's'} with `redite "
        "dedupe` on it, each going first in turn (datasketch's peak memory "
        f"{_gib(ds['peak_rss_bytes'])}); the ratio is the median of the rounds': "
        f"{result['datasketch_ratio']:.2f}x.",
        "",
        "| round | datasketch | redite dedupe | redite / datasketch |",
        "| ---: | ---: | ---: | ---: |",
        *(
            f"| {n} | {r['datasketch_seconds']:,.1f} s | {r['redite_seconds']:,.1f} s | "
            f"{r['ratio']:.2f}x |"
            for n, r in enumerate(rounds, 1)
        ),
    ]


def _reading(result: dict[str, Any], steps: dict[int, dict[str, float]]) -> list[str]:
    """What the figures say, computed from them."""
    scale, ds = result["scale"], result["datasketch"]
    sizes = sorted(steps)
    out = []
    if len(sizes) >= 2:
        small, big = sizes[-2], sizes[-1]
        growth = big / small

        def ratio(step: str) -> float:
            return steps[big].get(step, 0.0) / max(steps[small].get(step, 0.0), 1e-9)

        def first_two(size: int) -> float:
            return steps[size].get("read", 0.0) + steps[size].get("fingerprint", 0.0)

        fingerprint_cpu = 2 * first_two(big) / big * 1000
        out.append(
            f"- **Time.** Reading and fingerprinting, which run side by side (parse; "
            f"normalise, segment, shingle, sign: about {fingerprint_cpu:.2f} ms of the two "
            "cores per 3 KB article, more than half of it the segmentation, which is Python; "
            "folding, hashing and signing run as compiled loops), "
            f"take most of it and grow with the corpus "
            f"(x{first_two(big) / max(first_two(small), 1e-9):.1f} from {small:,} to "
            f"{big:,} articles, {growth:.0f}x as many). The candidate lookups grow faster "
            f"(x{ratio('candidates'):.1f}): unrelated sentences share a bucket now and then "
            "(the engine's banding, 21 bands of 3 rows, is chosen for the recall of edited "
            "sentences), and each article's shared buckets hold more members as the corpus "
            "grows; they are all read, to apply the engine's rules exactly as a store lookup "
            "would, and `min_band_hits` keeps them from becoming candidates."
        )
    largest = scale[-1]
    reclaim = result.get("machine", {}).get("page_reclaim")
    if reclaim:
        out.append(
            f"- **Page cache.** This machine's kernel {reclaim}, so the work directory "
            f"({_gib(largest.get('work_dir_bytes', 0))} at {largest['articles']:,} "
            "articles) does not stay in memory between steps: what a step reads that "
            "another wrote minutes before comes back from disk."
        )
    if "peak_anonymous_bytes" in largest:
        out.append(
            f"- **Memory.** The figure is resident memory: at {largest['articles']:,} articles "
            f"{_gib(largest['peak_rss_bytes'])}, of which {_gib(largest['peak_anonymous_bytes'])} "
            "anonymous; the rest is file pages of the work directory's arrays that the "
            "tasks map (the fingerprint files in the group step, the key shards in the "
            "candidates step), which both workers may map (each counts them) and the kernel "
            "can drop. docs/batch.md lists what the job holds itself, and the resident "
            "memory of each step."
        )
    ours = next((x for x in scale if x["articles"] == ds["articles"]), None)
    if ours is not None:
        rounds = result.get("side_by_side") or [{"datasketch_seconds": ds["seconds"]}]
        datasketch = statistics.median(r["datasketch_seconds"] for r in rounds)
        needed = datasketch / result["targets"]["datasketch_ratio"]
        at = steps.get(ds["articles"], {})
        fingerprint = at.get("read", 0.0) + at.get("fingerprint", 0.0)
        out.append(
            f"- **datasketch.** Its recipe hashes word 5-grams (a few hundred per article, "
            "where redite hashes every 5-letter window), keeps every MinHash in memory, and "
            "never aligns text; redite verifies and aligns every candidate pair and measures "
            f"coverage on both sides. Five times its throughput would mean the whole job on "
            f"{ds['articles']:,} articles in {needed:,.0f} s; redite's reading and "
            f"fingerprinting alone took {fingerprint:,.1f} s of it."
        )
    # Notes added to the result after the run (checks made on the same machine that day).
    out.extend(f"- {note}" for note in result.get("notes", []))
    return out
