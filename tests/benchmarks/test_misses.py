"""The impresso miss analysis: each step a missed pair can be lost at, on hand-made text."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchmarks import misses, render_misses
from detector import Article, DetectorConfig
from detector.prepare import prepare_batch

CONFIG = DetectorConfig()
STORY = (
    "Le Conseil d'Etat a décidé hier de soumettre au Grand Conseil un projet de loi sur la "
    "correction des eaux du Rhône, dont les crues ont inondé la plaine au printemps. "
    "Les communes riveraines supporteront le tiers de la dépense, le canton le reste."
)
OTHER = (
    "Une foule nombreuse assistait dimanche à l'inauguration du nouveau collège, où la "
    "fanfare municipale joua plusieurs morceaux fort applaudis par les familles réunies. "
    "Le syndic prononça ensuite un discours sur les devoirs de la jeunesse studieuse."
)
FORMULA = "Le présent avis tiendra lieu de lettre de faire part."


def _lost(a: str, b: str) -> str:
    first, second = prepare_batch([Article("a", a), Article("b", b)], CONFIG)
    return misses.lost_at(first, second, CONFIG)


def test_a_pair_that_matches_alone_was_lost_to_the_corpus() -> None:
    assert _lost(STORY, STORY) == "corpus"


def test_unrelated_texts_share_no_unit() -> None:
    assert _lost(STORY, OTHER) == "no_unit_pair"


def test_a_shared_formula_is_too_short_a_passage() -> None:
    assert _lost(f"{STORY}\n\n{FORMULA}", f"{OTHER}\n\n{FORMULA}") == "short_passages"


def test_boilerplate_only_has_no_body() -> None:
    assert _lost("Accueil | Sport | Météo", STORY) == "no_body"


def test_containment_ignores_accents_case_and_hyphenation() -> None:
    assert misses.containment("Crues du Rhô-\nne", "CRUES DU RHONE") == 1.0
    assert misses.containment("", "texte") == 0.0


def test_run_skips_without_data(tmp_path: Path) -> None:
    assert "skipped" in misses.run(tmp_path / "absent.jsonl.gz", CONFIG)


def _passages(path: Path, texts: list[tuple[int, str]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for row, (cluster, text) in enumerate(texts):
            record = {
                "uid": row,
                "cluster": cluster,
                "size": 2,
                "id": f"doc{row}",
                "series": "JDG" if row % 2 else "GDL",
                "date": "1900-01-02",
                "begin": 0,
                "end": len(text),
                "text": text,
            }
            handle.write(json.dumps(record) + "\n")


def test_run_counts_misses_by_step_and_renders(tmp_path: Path) -> None:
    path = tmp_path / "passages.jsonl.gz"
    # Cluster 1 is found; cluster 2 pairs two unrelated texts (passim's "mistake").
    _passages(path, [(1, STORY), (1, STORY), (2, OTHER), (2, FORMULA * 3)])
    result = misses.run(path, CONFIG)
    assert (result["passim_pairs"], result["found"], result["missed"]) == (2, 1, 1)
    assert sum(result["lost_at"].values()) == 1
    assert result["ceiling"] == pytest.approx(0.5)
    page = render_misses.render_markdown({"command": "c", "date": "d", **result})
    assert "where the missed pairs are lost" in page
    assert "0.500" in page


def test_a_preset_run_is_titled_and_needs_its_own_command(tmp_path: Path) -> None:
    path = tmp_path / "passages.jsonl.gz"
    _passages(path, [(1, STORY), (1, STORY), (2, OTHER), (2, FORMULA * 3)])
    out = tmp_path / "misses_ocr.json"
    assert misses.main(["--data", str(path), "--preset", "ocr", "--out", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert (result["preset"], result["found"]) == ("ocr", 1)
    page = render_misses.render_markdown(result)
    assert "where the missed pairs are lost, with --preset ocr" in page
    assert "Looked at by hand" not in page  # that reading was of the defaults' misses
