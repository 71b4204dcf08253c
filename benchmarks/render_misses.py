"""The impresso misses section of BENCHMARKS.md (from benchmarks/results/misses.json)."""

from __future__ import annotations

from typing import Any

_STEPS = {
    "corpus": "matches alone; lost to the rest of the corpus (document-frequency rule, caps)",
    "candidates": "verification accepts it, LSH never brings the two together",
    "no_body": "one side is all boilerplate",
    "no_unit_pair": "no two units share half their shingles",
    "alignment": "unit pairs found, none aligns well enough",
    "short_passages": "aligned, but no passage reaches 60 characters",
}


def render_markdown(result: dict[str, Any]) -> str:
    """Where the missed pairs were lost, and the recall a perfect candidate step would give."""
    missed = result["missed"]
    lines = [
        "### impresso: where the missed pairs are lost",
        "",
        f"Command: `{result['command']}` ({result['date']}).",
        "",
        f"The engine relates {result['found']:,} of passim's {result['passim_pairs']:,} pairs "
        f"(recall {result['recall']:.3f}). Each of the {missed:,} it misses was checked "
        "again on its own and put in the step that lost it:",
        "",
        "| lost at | pairs | share of misses | what happens |",
        "|---|---:|---:|---|",
    ]
    for step, count in result["lost_at"].items():
        share = count / missed if missed else 0.0
        lines.append(f"| {step} | {count:,} | {share:.0%} | {_STEPS.get(step, '')} |")
    shared = result["missed_containment"]
    median = shared["quantiles_10_25_50_75_90"][2] if shared["quantiles_10_25_50_75_90"] else 0
    lines += [
        "",
        f"- **Ceiling:** with a perfect candidate step and no corpus effects, recall would be "
        f"{result['ceiling']:.3f} (found + corpus + candidates). The target, 0.92, lies "
        "above it: the rest are pairs the verifier rejects on their own.",
        f"- The missed pairs do share text: median accent-free character-5-gram containment "
        f"{median:.2f}, and {shared['at_least_0.5']:,} of {missed:,} at 0.5 or more. "
        "Looked at by hand, the `short_passages` pairs share one formula of 35 to 60 "
        'letters ("Le présent avis tiendra lieu de lettre de faire part", auction and '
        "hotel-advertisement wording); the `no_unit_pair` and `alignment` pairs are heavy "
        "OCR noise or advertisements set one short line per item.",
        "- Accepting those costs precision: each looser setting in the parameter sweep "
        "below (shorter passages, no document-frequency rule, one shared bucket, shorter "
        "units) gains one to three points of impresso recall and costs silver precision, "
        "composed precision, or both; none comes near 0.92.",
        "",
    ]
    return "\n".join(lines)
