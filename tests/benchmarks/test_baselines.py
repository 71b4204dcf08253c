"""The datasketch baselines answer in redite's report structure, with expected behaviour."""

from __future__ import annotations

from benchmarks.baselines import (
    BaselineParams,
    char5_containment,
    char_shingles,
    paragraph_lsh,
    paragraphs,
    textbook,
    word_shingles,
)
from detector.model import Article

LEAD = (
    "Le Conseil fédéral a décidé hier de convoquer les chambres fédérales en session "
    "extraordinaire pour le lundi 15 juin afin de discuter du rachat des chemins de fer."
)
OTHER = (
    "A Lausanne, la foire de mai a été favorisée par un temps superbe et les marchands "
    "de bétail se déclarent satisfaits des prix obtenus sur la place de la Riponne."
)
THIRD = (
    "Le vapeur Genève a heurté hier soir un bateau de pêche près de Nyon; les deux "
    "pêcheurs ont pu être sauvés par l'équipage et ramenés sains et saufs au port."
)
FOURTH = (
    "La société de chant du quartier des Pâquis donnera dimanche son concert annuel "
    "au profit des pauvres, avec le concours de la fanfare municipale de la ville."
)

FIFTH = (
    "Les recettes des douanes fédérales pour le mois d'avril se sont élevées à quatre "
    "millions de francs, soit une augmentation notable sur le mois correspondant."
)


def test_paragraphs_split_on_blank_lines_and_long_lines() -> None:
    text = f"{LEAD}\n\n{OTHER}\n{THIRD}"
    spans = paragraphs(text)
    assert [text[s:e] for s, e in spans] == [LEAD, OTHER, THIRD]
    column = "Le Conseil fédéral a\ndécidé hier de con-\nvoquer les chambres."
    assert paragraphs(column) == [(0, len(column))]


def test_shingles() -> None:
    assert word_shingles("a b c", 5) == {b"a b c"}
    assert len(word_shingles(LEAD, 5)) == len(LEAD.split()) - 4
    assert b"federa" not in char_shingles("Fédéral", 5)
    assert b"edera" in char_shingles("Fédéral", 5)


def test_textbook_finds_whole_copies_only() -> None:
    articles = [
        Article("a", f"{LEAD}\n\n{OTHER}"),
        Article("b", f"{LEAD}\n\n{OTHER}"),
        Article("c", f"{THIRD}\n\n{LEAD}"),
    ]
    reports = textbook(articles)
    assert [r.id for r in reports] == ["a", "b", "c"]
    assert [m.id for m in reports[0].matches] == ["b"]
    match = reports[0].matches[0]
    assert match.kind == "duplicate"
    assert match.passages[0].query_span == (0, len(articles[0].text))


def test_paragraph_lsh_reports_shared_paragraphs_with_coverage_and_kind() -> None:
    articles = [
        Article("a", f"{LEAD}\n\n{OTHER}\n\n{FOURTH}"),
        Article("b", f"{THIRD}\n\n{LEAD}\n\n{FIFTH}"),
        Article("c", f"{FOURTH}\n\n{FOURTH}"),
    ]
    reports = {r.id: r for r in paragraph_lsh(articles)}
    ab = next(m for m in reports["a"].matches if m.id == "b")
    assert ab.kind == "partial"
    assert ab.passages[0].query_span == (0, len(LEAD))
    start = len(THIRD) + 2
    assert ab.passages[0].match_span == (start, start + len(LEAD))
    assert 0.3 < ab.query_coverage < 0.4
    assert 0.3 < ab.match_coverage < 0.4
    # c prints one paragraph twice: an internal repeat, the second copy the repeat.
    repeats = reports["c"].internal_repeats
    assert repeats.spans
    assert repeats.spans[0].repeat[0] > repeats.spans[0].first[0]
    assert abs(repeats.fraction - 0.5) < 0.01


def test_furniture_paragraphs_are_dropped() -> None:
    notice = (
        "Ce site utilise des cookies pour améliorer votre expérience de navigation sur nos pages."
    )
    articles = [
        Article(str(i), f"{notice}\n\n{body}")
        for i, body in enumerate((LEAD, OTHER, THIRD, FOURTH))
    ]
    # On four pages: furniture when four pages are enough, body text when five are needed.
    assert all(r.matches for r in paragraph_lsh(articles, BaselineParams(furniture_pages=5)))
    assert not any(r.matches for r in paragraph_lsh(articles, BaselineParams(furniture_pages=4)))


def test_char5_finds_an_edited_paragraph() -> None:
    edited = LEAD.replace("hier", "mardi").replace("fédérales", "federales").replace("é", "e")
    articles = [Article("a", f"{LEAD}\n\n{OTHER}"), Article("b", f"{THIRD}\n\n{edited}")]
    reports = char5_containment(articles)
    assert [m.id for m in reports[0].matches] == ["b"]
    assert [m.id for m in reports[1].matches] == ["a"]
