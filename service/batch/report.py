"""``report.html``: one self-contained page (inline SVG plots, no scripts, no network).

It holds no clock time, so the same job gives the same bytes.
"""

from __future__ import annotations

import html
import io
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend
import numpy as np

from detector.cluster import Cluster

if TYPE_CHECKING:
    from service.batch.job import Summary

_TOP_SOURCES = 15


def render_report(
    *,
    summary: Summary,
    rows: Sequence[dict[str, Any]],
    found: Sequence[Cluster],
    published: np.ndarray[Any, np.dtype[np.float64]],
    sources: Sequence[str | None],
) -> str:
    """The page (see the module docstring)."""
    n = max(summary.articles, 1)
    figures = [
        ("Cluster sizes", _cluster_sizes(found)),
        ("Coverage of related pairs", _coverages(rows)),
        ("Time from original to republication", _delays(found, published)),
    ]
    facts = [
        ("articles", f"{summary.articles:,}"),
        ("invalid records skipped", f"{summary.invalid:,}"),
        ("duplicate ids skipped", f"{summary.duplicate_ids:,}"),
        ("related pairs", ", ".join(f"{c:,} {k}" for k, c in summary.pairs.items()) or "none"),
        *(
            [
                (
                    "pairs with the index",
                    ", ".join(f"{c:,} {k}" for k, c in summary.archive_pairs.items()),
                )
            ]
            if summary.archive_pairs
            else []
        ),
        ("clusters", f"{summary.clusters:,} ({summary.clustered:,} articles)"),
        ("republication rate", f"{summary.copies / n:.2%} ({summary.copies:,} copies)"),
        ("internal repetition rate", f"{summary.repeats / n:.2%} ({summary.repeats:,} articles)"),
        ("hot buckets (capped)", f"{summary.hot_buckets:,}"),
        ("deduped corpus", f"{summary.deduped:,} articles"),
    ]
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>redite dedupe report</title>',
        "<style>body{font:14px/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;"
        "padding:0 1em}table{border-collapse:collapse}td,th{padding:.2em .8em;"
        "border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}"
        "figure{margin:1.5em 0}</style></head><body>",
        "<h1>redite dedupe report</h1>",
        "<h2>Summary</h2>",
        "<table>",
        *(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts),
        "</table>",
    ]
    for title, svg in figures:
        out += [f"<figure><figcaption><b>{html.escape(title)}</b></figcaption>", svg, "</figure>"]
    out += _who_table(found, sources)
    out += ["</body></html>", ""]
    return "\n".join(out)


def _svg(draw: Any) -> str:
    with mpl.rc_context():
        mpl.rcParams["svg.hashsalt"] = "redite"  # the same ids in every run
        mpl.rcParams["svg.fonttype"] = "path"
        mpl.rcParams["font.size"] = 9
        figure, axes = plt.subplots(figsize=(6.5, 2.6))
        draw(axes)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "redite"})
        plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: inline SVG


def _empty(axes: Any, what: str) -> None:
    axes.text(0.5, 0.5, f"no {what}", ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def _cluster_sizes(found: Sequence[Cluster]) -> str:
    counts = Counter(len(c.members) for c in found)

    def draw(axes: Any) -> None:
        if not counts:
            _empty(axes, "clusters")
            return
        sizes = sorted(counts)
        axes.bar([str(s) for s in sizes], [counts[s] for s in sizes], color="#4c72b0")
        axes.set_xlabel("articles in the cluster")
        axes.set_ylabel("clusters")
        if max(counts.values()) > 50 * min(counts.values()):
            axes.set_yscale("log")

    return _svg(draw)


def _coverages(rows: Sequence[dict[str, Any]]) -> str:
    def draw(axes: Any) -> None:
        if not rows:
            _empty(axes, "related pairs")
            return
        bins = np.linspace(0, 1, 21)
        smaller = [min(r["a_coverage"], r["b_coverage"]) for r in rows]
        larger = [max(r["a_coverage"], r["b_coverage"]) for r in rows]
        axes.hist([larger, smaller], bins=bins, label=["larger side", "smaller side"],
                  color=["#4c72b0", "#dd8452"])  # fmt: skip
        axes.set_xlabel("share of the article's body inside shared passages")
        axes.set_ylabel("pairs")
        axes.legend(frameon=False)

    return _svg(draw)


def _delays(found: Sequence[Cluster], published: np.ndarray[Any, np.dtype[np.float64]]) -> str:
    hours = [
        (published[m] - published[c.original]) / 3600
        for c in found
        for m in c.members
        if m != c.original and not np.isnan(published[m]) and not np.isnan(published[c.original])
    ]

    def draw(axes: Any) -> None:
        if not hours:
            _empty(axes, "dated republications")
            return
        values = np.maximum(np.array(hours), 1 / 60)  # a minute at least, for the log scale
        bins = np.logspace(np.log10(1 / 60), np.log10(max(values.max(), 2)), 25)
        axes.hist(values, bins=bins, color="#55a868")
        axes.set_xscale("log")
        axes.set_xlabel("hours after the original (log scale)")
        axes.set_ylabel("republications")

    return _svg(draw)


def _who_table(found: Sequence[Cluster], sources: Sequence[str | None]) -> list[str]:
    flows: Counter[tuple[str, str]] = Counter()
    for c in found:
        origin = sources[c.original] or "(no source)"
        for m in c.members:
            if m != c.original:
                flows[(origin, sources[m] or "(no source)")] += 1
    out = ["<h2>Who republishes whom</h2>"]
    if not flows:
        return [*out, "<p>No republications.</p>"]
    top = sorted(flows.items(), key=lambda item: (-item[1], item[0]))[: _TOP_SOURCES * 2]
    out += [
        f"<p>Copies by the source of the original and the source of the copy "
        f"(the {len(top)} largest flows of {len(flows):,}).</p>",
        "<table><tr><th>original's source</th><th>copy's source</th><th>copies</th></tr>",
        *(
            f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td class=n>{n:,}</td></tr>"
            for (a, b), n in top
        ),
        "</table>",
    ]
    return out
