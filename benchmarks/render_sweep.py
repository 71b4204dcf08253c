"""The parameter sweep section of BENCHMARKS.md (from benchmarks/results/sweep.json)."""

from __future__ import annotations

from typing import Any


def _cell(figures: dict[str, Any] | None, key: str) -> str:
    if not figures or key not in figures:
        return "—"
    return f"{figures[key]:.3f}"


def render_markdown(result: dict[str, Any]) -> str:
    """A table: one row per variant, composed and impresso figures side by side."""
    lines = [
        "## Parameter sweep: how the defaults were chosen",
        "",
        "Each row changes one thing from the defaults (`detector/config.py`) and runs the",
        "engine on the composed corpus (seed 1, 1,500 articles) and on the impresso passages.",
        "",
        f"Command: `{result['command']}` ({result['date']}).",
        "",
        "| variant | P | R | F1 | quoted R | kind acc | repeats P/R | impresso R | silver P |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in result["variants"].items():
        c = entry.get("composed", {})
        i = entry.get("impresso")
        repeats = f"{_cell(c, 'repeats_precision')} / {_cell(c, 'repeats_recall')}"
        lines.append(
            f"| {name}: {entry['label']} | {_cell(c, 'precision')} | {_cell(c, 'recall')} "
            f"| {_cell(c, 'f1')} | {_cell(c, 'quoted_recall')} | {_cell(c, 'kind_accuracy')} "
            f"| {repeats} | {_cell(i, 'recall')} | {_cell(i, 'silver_precision')} |"
        )
    lines.append("")
    return "\n".join(lines)
