"""The seed pages: every finding of shared/data/seeds/EXPECTED.md, and nothing it rules out."""

from __future__ import annotations

from pathlib import Path

import pytest

from detector import Article, ArticleReport, DetectorConfig, Match, check_corpus
from detector.prepare import prepare

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "data" / "seeds"

pytestmark = [
    pytest.mark.data,
    pytest.mark.skipif(
        not SEEDS.is_dir(),
        reason=f"seed pages not found at {SEEDS} (they live in the steering repo's shared/data)",
    ),
]


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("0*.txt"))}


@pytest.fixture(scope="module", params=["news", "ocr"])
def reports(texts: dict[str, str], request: pytest.FixtureRequest) -> dict[str, ArticleReport]:
    """The seeds checked under each preset: both must report what EXPECTED.md lists."""
    config = DetectorConfig.preset(request.param)
    found = check_corpus([Article(name, text) for name, text in texts.items()], config)
    return {r.id: r for r in found}


def _match(reports: dict[str, ArticleReport], a: str, b: str) -> Match:
    (match,) = [m for m in reports[a].matches if m.id == b]
    return match


def _nth(text: str, needle: str, n: int) -> int:
    at = -1
    for _ in range(n):
        at = text.find(needle, at + 1)
        assert at >= 0, needle
    return at


def test_xinhua_page_prints_its_article_twice(
    texts: dict[str, str], reports: dict[str, ArticleReport]
) -> None:
    text = texts["003"]
    repeats = reports["003"].internal_repeats
    assert repeats.fraction == pytest.approx(0.5, abs=0.05)
    (span,) = repeats.spans
    second = _nth(text, "MOSCOU, 6 octobre (Xinhua)", 2)
    first_copy_end = _nth(text, 'est très inquiétant".', 1)
    second_copy_end = _nth(text, 'est très inquiétant".', 2) + len('est très inquiétant".')
    assert span.repeat[0] == second
    assert span.repeat[1] == second_copy_end
    assert span.first[0] == text.find("MOSCOU, 6 octobre (Xinhua)")
    assert span.first[1] == first_copy_end + len('est très inquiétant".')


def test_lorient_page_repeats_its_lead_and_a_comment(
    texts: dict[str, str], reports: dict[str, ArticleReport]
) -> None:
    text = texts["002"]
    repeats = reports["002"].internal_repeats
    assert 0 < repeats.fraction < 0.2
    lead = "La Russie pourrait mettre en place des propositions américaines visant"
    teaser = _nth(text, lead, 3)
    comment = "COORDINATION... CONNIVENCE... ENTENTE..."
    comment_again = _nth(text, comment, 2)
    repeated_at = [s.repeat[0] for s in repeats.spans]
    assert teaser in repeated_at
    assert comment_again in repeated_at
    teaser_span = next(s for s in repeats.spans if s.repeat[0] == teaser)
    assert teaser_span.first[0] == _nth(text, lead, 2)
    assert text[teaser_span.repeat[1] - 3 : teaser_span.repeat[1]] == "..."


@pytest.mark.parametrize("name", ["000", "001", "004"])
def test_other_seeds_do_not_repeat_their_body(reports: dict[str, ArticleReport], name: str) -> None:
    assert reports[name].internal_repeats.spans == ()


def test_reader_comment_reproduces_two_paragraphs(
    texts: dict[str, str], reports: dict[str, ArticleReport]
) -> None:
    start_text = "Le vice-ministre de la Défense russe Anatoliï Antonov a annoncé"
    end_text = "nous ne frapperons jamais des objets non-militaires»."
    match = _match(reports, "002", "000")
    assert match.kind == "partial"
    in_000 = (texts["000"].find(start_text), texts["000"].find(end_text) + len(end_text))
    in_002 = (texts["002"].find(start_text), texts["002"].find(end_text) + len(end_text))
    passage = next(p for p in match.passages if p.match_span[0] == in_000[0])
    assert passage.match_span == in_000
    assert passage.query_span == in_002
    assert passage.similarity == pytest.approx(1.0)


def test_edited_wire_sentence_is_found_at_sentence_level(
    texts: dict[str, str], reports: dict[str, ArticleReport]
) -> None:
    match = _match(reports, "000", "002")
    in_000 = texts["000"].find("la région autour de la ville de Deir Ezzor")
    in_002 = texts["002"].find("la région autour de la ville de Deir ez-Zor")
    passage = next(p for p in match.passages if p.query_span[0] <= in_000 < p.query_span[1])
    assert passage.match_span[0] <= in_002 < passage.match_span[1]
    assert "Lattaquié" in texts["000"][slice(*passage.query_span)]
    assert "Lattaquié" in texts["002"][slice(*passage.match_span)]
    assert passage.similarity > 0.8


def test_both_sides_report_the_pair(reports: dict[str, ArticleReport]) -> None:
    forward, backward = _match(reports, "000", "002"), _match(reports, "002", "000")
    assert forward.kind == backward.kind == "partial"
    assert forward.query_coverage == backward.match_coverage
    assert sorted(p.query_span for p in forward.passages) == sorted(
        p.match_span for p in backward.passages
    )


def test_nothing_else_is_related(reports: dict[str, ArticleReport]) -> None:
    related = {(r.id, m.id) for r in reports.values() for m in r.matches}
    assert related == {("000", "002"), ("002", "000")}


def test_furniture_is_left_out_of_coverage(
    texts: dict[str, str], reports: dict[str, ArticleReport]
) -> None:
    furniture = [
        "Rechercher",
        "Taille du Texte",
        "T+ | T-",
        "RSS",
        "Partager",
        "Lire aussi",
        "Retour en haut",
        "french.xinhuanet.com",
        "19-04-2024 08:01 AM Jerusalem Timing",
    ]
    config = DetectorConfig()
    for name, text in texts.items():
        prepared = prepare(Article(name, text), config)
        for para in prepared.paragraphs:
            line = text[para.start : para.end]
            if line in furniture or line.isdigit():
                assert para.boilerplate is not None, (name, line)
