"""detector.segment and detector.boilerplate: paragraphs, furniture, units."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detector import Article, DetectorConfig
from detector.boilerplate import (
    _NOTICE,
    _NOTICE_WORDS,
    NOTICE_WORDS,
    _is_notice,
    classify,
    may_hold_notice,
)
from detector.prepare import Prepared, prepare
from detector.segment import Paragraph, _blocks, paragraphs
from tests.properties import property_settings

PROPERTY = property_settings(50)

# A death notice as a 1905 newspaper column printed it: hard-wrapped at about 40
# characters, with words hyphenated across line breaks.
OCR_NOTICE = """\
Monsieur et Madame Louis Perrenoud et
leurs enfants ont la douleur de faire
part à leurs amis et connaissances de
la perte cruelle qu'ils viennent d'é-
prouver en la personne de leur cher fils
Henri Perrenoud, enlevé à leur tendre af-
fection le 12 mars 1905, dans sa vingt-
deuxième année, après une longue et pé-
nible maladie supportée avec courage.
L'ensevelissement aura lieu samedi à
une heure de l'après-midi. Domicile mor-
tuaire : rue de la Serre 14, La Chaux-
de-Fonds."""

SENTENCES = [
    "Le vice-ministre russe de la Défense a annoncé mercredi que des navires avaient "
    "tiré vingt-six missiles de croisière.",
    "Selon lui, toutes les cibles ont été détruites et aucun objet civil n'a été touché.",
    "Les frappes visaient des positions de l'organisation État islamique près de Raqqa.",
]


def spans(text: str) -> list[str]:
    return [text[p.start : p.end] for p in paragraphs(text)]


def unit_texts(prepared: Prepared) -> list[str]:
    text = prepared.article.text
    out = []
    for start, end in prepared.units.tolist():
        lo, hi = prepared.folded.original_span(start, end)
        out.append(text[lo:hi])
    return out


# --- paragraphs -------------------------------------------------------------------------


def test_blank_lines_separate_paragraphs() -> None:
    text = "\n\n".join(SENTENCES)
    assert spans(text) == SENTENCES
    assert all(p.boilerplate is None for p in paragraphs(text))


def test_blank_lines_with_spaces_and_crlf_separate_paragraphs() -> None:
    text = f"  {SENTENCES[0]}  \r\n \t \r\n{SENTENCES[1]}\r\n\r\n\r\n{SENTENCES[2]}\n"
    assert spans(text) == SENTENCES


def test_one_line_per_paragraph() -> None:
    text = "\n".join(SENTENCES)
    assert spans(text) == SENTENCES


def test_paragraph_offsets_are_stripped_and_in_order() -> None:
    text = "\n\n  Titre de la page  \n\n" + "\n".join(SENTENCES) + "\n\n"
    found = paragraphs(text)
    for p in found:
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start : p.end] == text[p.start : p.end].strip()
    assert [p.start for p in found] == sorted(p.start for p in found)


def test_hard_wrapped_ocr_lines_are_joined() -> None:
    found = paragraphs(OCR_NOTICE)
    assert found == [Paragraph(0, len(OCR_NOTICE), None)]


def test_hard_wrapped_paragraphs_end_at_a_short_closed_line() -> None:
    text = OCR_NOTICE + (
        " Le présent avis tient lieu\n"
        "de lettre de faire part.\n"
        "Les familles affligées remercient bien\n"
        "sincèrement toutes les personnes qui\n"
        "leur ont témoigné tant de sympathie."
    )
    found = spans(text)
    assert len(found) == 2
    assert found[0].endswith("de lettre de faire part.")
    assert found[1].startswith("Les familles affligées")


def test_hyphenation_across_wrapped_lines_folds_to_whole_words() -> None:
    prepared = prepare(Article("ocr", OCR_NOTICE), DetectorConfig())
    folded = prepared.folded.text
    for word in ("eprouver", "affection", "vingtdeuxieme", "penible", "mortuaire", "chauxdefonds"):
        assert word in folded


def test_a_site_menu_is_not_joined() -> None:
    menu = "Accueil\nRégion\nSuisse\nMonde\nÉconomie et finances\nSport\nCulture et loisirs\nMétéo"
    found = paragraphs(menu)
    assert len(found) == len(menu.splitlines())


def test_a_site_header_stack_above_the_body_is_not_joined() -> None:
    header = (
        "Le Temps\n"
        "Édition du 7 octobre 2015\n"
        "International\n"
        "La Russie frappe la Syrie depuis la Caspienne\n"
        "Par Jean Dupont, correspondant à Moscou\n"
        "Mis à jour le 7 octobre 2015"
    )
    body = "\n\n".join(SENTENCES)
    assert spans(f"{header}\n\n{body}") == [*header.splitlines(), *SENTENCES]


def test_a_stack_of_capitalised_lines_alone_is_joined() -> None:
    """An advertisement in an OCR column reads like a header stack; alone (or last in
    its text) it is one paragraph, as newspapers reprinted it whole."""
    advertisement = (
        "WEISSENBOURG\n"
        "Oberland bernois, Suisse\n"
        "Station du chemin de fer : ERLENBACH\n"
        "Ouverture le 15 mai\n"
        "Médecins de l'établissement :\n"
        "M. le prof. Dr. Huguenin de Zurich"
    )
    alone = spans(advertisement)
    assert "Ouverture le 15 mai\nMédecins de l'établissement :" in alone[-1]
    body = "\n\n".join(SENTENCES)
    assert spans(f"{body}\n\n{advertisement}") == [*SENTENCES, *alone]


def test_furniture_around_an_article_is_flagged() -> None:
    furniture = [
        "Rechercher",
        "RSS",
        "T+ | T-",
        "Accueil | Monde | Économie | Sport",
        "Publié le 2015-10-07 à 04:59 | french.xinhuanet.com",
    ]
    footer = [
        "( Lire aussi : La Russie frappe de nouveau des positions en Syrie )",
        "Partager",
        "Retour en haut",
        "20151007",
    ]
    text = "\n".join([*furniture, *SENTENCES, *footer])
    found = paragraphs(text)

    def flag(line: str) -> str | None:
        at = text.index(line)
        (para,) = [p for p in found if p.start <= at < p.end]
        return para.boilerplate

    for line in furniture + footer:
        assert flag(line) is not None, line
    for sentence in SENTENCES:
        assert flag(sentence) is None, sentence


def test_a_text_of_only_headings_falls_back_to_body() -> None:
    text = "La Russie frappe la Syrie depuis la Caspienne\n\nLes cibles seraient toutes détruites"
    found = paragraphs(text)
    assert len(found) == 2
    assert all(p.boilerplate is None for p in found)


def test_headings_next_to_body_stay_headings() -> None:
    text = "La Russie frappe la Syrie depuis la Caspienne\n\n" + SENTENCES[0]
    assert [p.boilerplate for p in paragraphs(text)] == ["heading", None]


def test_no_paragraphs_in_blank_text() -> None:
    assert paragraphs("") == []
    assert paragraphs(" \n\n\t\r\n ") == []


# --- boilerplate rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Rechercher",
        "RSS",
        "T+ | T-",
        "Partager",
        "Lire aussi",
        "Retour en haut",
        "Taille du Texte",
        "20151007",
        "12 345 678",
        "2015-10-07 04:59",
        "french.xinhuanet.com",
        "Publié le 2015-10-07 à 04:59 | french.xinhuanet.com",
        "Accueil | Monde | Économie | Sport | Culture",
        "Partager sur Facebook | Partager sur Twitter | Imprimer",
        "Accueil > International > Moyen-Orient > Syrie",
        "Ce site utilise des cookies pour améliorer votre expérience de navigation. "
        "En poursuivant, vous acceptez leur utilisation.",
        "Abonnez-vous à notre newsletter pour recevoir chaque matin l'essentiel de l'actualité.",
        "( Lire aussi : La Russie frappe de nouveau des positions en Syrie )",
        "[Lire aussi : Moscou défend ses frappes devant le Conseil de sécurité]",
        "Lire aussi : Moscou défend ses frappes devant le Conseil de sécurité",
        "Photo: Keystone / Laurent Gillieron",
        "© 2015 Le Temps SA. Tous droits réservés.",
        "La Russie intensifie ses frappes en Syrie",
    ],
)
def test_furniture_is_boilerplate(line: str) -> None:
    assert classify(line) is not None


@pytest.mark.parametrize(
    "sentence", [*SENTENCES, "M. Antonov a déclaré que les frappes continueraient."]
)
def test_sentences_are_body(sentence: str) -> None:
    assert classify(sentence) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "Par ailleurs, le ministre a présenté sa démission hier soir.",
        "Avec ce nouveau texte, le gouvernement espère relancer l'économie.",
        "By the end of the year, the company expects strong growth.",
    ],
)
def test_sentences_opening_like_a_credit_are_body(sentence: str) -> None:
    assert classify(sentence) is None


def test_news_mentioning_a_subscription_is_body() -> None:
    sentence = (
        "Le prix de l'abonnement général aux transports publics augmentera de cinq pour cent "
        "en janvier, a annoncé mardi la régie, qui invoque la hausse du coût de l'énergie."
    )
    assert classify(sentence) is None


# --- units ------------------------------------------------------------------------------


def test_units_are_sentences() -> None:
    text = " ".join(SENTENCES)
    prepared = prepare(Article("a", text), DetectorConfig())
    assert unit_texts(prepared) == [s.rstrip(".") for s in SENTENCES]


def test_short_sentences_are_joined_to_a_neighbour() -> None:
    text = f"{SENTENCES[0]} Il a précisé. Tout va bien. {SENTENCES[1]} Fin."
    config = DetectorConfig()
    prepared = prepare(Article("a", text), config)
    found = unit_texts(prepared)
    assert len(found) == 2
    assert all(end - start >= config.unit_min_chars for start, end in prepared.units.tolist())
    assert "Tout va bien" in found[0] or "Tout va bien" in found[1]
    assert found[-1].endswith("Fin")


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Selon le porte-parole du ministère de la Défense à Moscou, M. Antonov a déclaré "
        "mercredi que les frappes de la marine continueraient aussi longtemps que nécessaire. "
        "Interrogé par la presse étrangère à Genève, le Dr. Schmidt et Mme. Dupont ont de "
        "leur côté appelé toutes les parties à la retenue, comme l'a fait J. Kerry."
    )
    prepared = prepare(Article("a", text), DetectorConfig())
    found = unit_texts(prepared)
    assert len(found) == 2
    assert found[0].startswith("Selon")
    assert "M. Antonov a déclaré" in found[0]
    assert found[1].startswith("Interrogé")
    assert "Mme. Dupont" in found[1]


def test_long_stretches_without_punctuation_are_cut() -> None:
    text = " ".join(f"mot{i} suivi" for i in range(600))
    config = DetectorConfig()
    prepared = prepare(Article("a", text), config)
    lengths = (prepared.units[:, 1] - prepared.units[:, 0]).tolist()
    assert len(lengths) > 5
    assert max(lengths) <= config.unit_max_chars
    assert sum(lengths) == len(prepared.folded)


def test_long_stretch_cuts_follow_the_content() -> None:
    """Cut points are chosen by content, so a copy shifted by a prefix in the same
    paragraph is cut at the same places after the first cut."""
    body = " ".join(f"mot{i} suivi" for i in range(600))
    config = DetectorConfig()
    a = unit_texts(prepare(Article("a", body), config))
    b = unit_texts(prepare(Article("b", "Un préambule sans ponctuation " + body), config))
    assert set(a[1:-1]) & set(b[1:-1])


@PROPERTY
@given(
    words=st.lists(
        st.text("abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=12), min_size=1, max_size=400
    ),
    unit_min=st.integers(5, 60),
    unit_max_factor=st.integers(2, 8),
)
def test_units_never_exceed_unit_max_chars(
    words: list[str], unit_min: int, unit_max_factor: int
) -> None:
    config = DetectorConfig(unit_min_chars=unit_min, unit_max_chars=unit_min * unit_max_factor)
    prepared = prepare(Article("a", " ".join(words) + "."), config)
    lengths = (prepared.units[:, 1] - prepared.units[:, 0]).tolist()
    assert all(0 < n <= config.unit_max_chars for n in lengths)


BLOCKS = st.sampled_from(
    [
        *SENTENCES,
        "Rechercher",
        "T+ | T-",
        "Accueil | Monde | Sport",
        "Publié le 2015-10-07 à 04:59 | french.xinhuanet.com",
        "( Lire aussi : La Russie frappe de nouveau )",
        "La Russie frappe la Syrie depuis la Caspienne",
        "Il a précisé. Tout va bien.",
        "mot " * 150,
        "",
        "😀",
        "12345",
    ]
)


@PROPERTY
@given(st.lists(BLOCKS, max_size=12), st.sampled_from(["\n", "\n\n", " "]))
def test_units_tile_exactly_the_body_paragraphs(blocks: list[str], sep: str) -> None:
    text = sep.join(blocks)
    prepared = prepare(Article("a", text), DetectorConfig())
    folded = prepared.folded
    in_body = [False] * len(folded)
    for p in prepared.paragraphs:
        if p.boilerplate is None:
            for i in range(folded.folded_index(p.start), folded.folded_index(p.end)):
                in_body[i] = True
    covered = [False] * len(folded)
    previous_end = 0
    for start, end in prepared.units.tolist():
        assert previous_end <= start < end <= len(folded)
        previous_end = end
        for i in range(start, end):
            covered[i] = True
        # A unit may pack short body paragraphs together, never across furniture.
        lo, hi = folded.original_span(start, end)
        assert not any(p.boilerplate and lo < p.end and p.start < hi for p in prepared.paragraphs)
    assert all(body for body, unit in zip(in_body, covered, strict=True) if unit)
    # Body left out of every unit: only pieces too short for one shingle.
    left = "".join(
        "x" if body and not unit else " " for body, unit in zip(in_body, covered, strict=True)
    )
    assert all(len(run) < DetectorConfig().shingle_size for run in left.split())


@given(st.text(alphabet="cokiesabnrvuthlpw -'", max_size=60))
def test_the_notice_prefilter_never_hides_a_notice(text: str) -> None:
    assert _is_notice(text) == (_NOTICE.search(text) is not None)


@pytest.mark.parametrize("alternative", _NOTICE.pattern.split("|"))
def test_every_notice_alternative_holds_a_prefilter_word(alternative: str) -> None:
    literal = alternative.replace("?\\b", "")
    assert any(word in literal for word in _NOTICE_WORDS)


@given(
    st.lists(
        st.sampled_from(["Cookies", "ΣΑΣ", "İ", "suivez-", "nous", "le texte", ".", "|", "\n"]),
        max_size=12,
    ),
    st.integers(0, 30),
    st.integers(0, 30),
)
def test_a_text_without_notice_wording_has_no_notice_paragraph(
    words: list[str], start: int, length: int
) -> None:
    text = " ".join(words)
    part = text[start : start + length]
    assert classify(part, notices=may_hold_notice(text)) == classify(part)


@pytest.mark.parametrize("extra", [-1, 0, 1, 2])
def test_word_counts_are_capped_above_every_threshold(extra: int) -> None:
    # A notice counts only up to NOTICE_WORDS words; the capped count must still tell.
    paragraph = " ".join(["cookies", *["mot"] * (NOTICE_WORDS - 1 + extra)]) + "."
    assert classify(paragraph) == ("notice" if extra <= 0 else None)


WIDE = (
    "Acide carbonique liquide en capsules d'acier. Chacun est à même de préparer soi-même, "
    "à bon marché et\n"
    "commodément, toutes les boissons gazeuses, entièrement selon ses goûts : eau de seltz, "
    "limonade, au moyen\n"
    "d'une bouteille spéciale, toujours utilisable. Bouteille syphon, nouvelle, très "
    "perfectionnée, excellente pour\n"
    "familles et usage personnel."
)


def test_long_lines_broken_mid_sentence_are_one_paragraph() -> None:
    found = paragraphs(WIDE)
    assert [(p.start, p.end, p.boilerplate) for p in found] == [(0, len(WIDE), None)]


def test_long_open_lines_that_start_upper_case_stay_lines() -> None:
    items = "\n".join(
        f"Rubrique {n} consacrée aux nouvelles de la semaine dans le canton et dans les "
        "communes voisines du district"
        for n in range(4)
    )
    assert len(paragraphs(items)) == 4


def _reference_blocks(text: str) -> list[list[tuple[int, int]]]:
    """Blank-line separated runs of stripped lines, the plain way: regexes."""
    lines, start = [], 0
    for m in re.finditer(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", text):
        lines.append((start, m.start()))
        start = m.end()
    lines.append((start, len(text)))
    blocks: list[list[tuple[int, int]]] = [[]]
    for start, end in lines:
        found = re.compile(r"\S(?:.*\S)?").search(text, start, end)
        if found is None:
            blocks.append([])
        else:
            blocks[-1].append(found.span())
    return [block for block in blocks if block]


@given(st.text(alphabet=" a\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u00a0\u3000", max_size=40))
def test_blocks_split_lines_as_the_regex_did(text: str) -> None:
    assert _blocks(text) == _reference_blocks(text)


def test_a_line_that_breaks_off_is_not_a_heading() -> None:
    # An OCR column read one line a paragraph: lines ending in a comma, a hyphen or a
    # word such as "de" go on below and are body text, not headings.
    text = (
        "Chauffage central, lumière électrique,\n"
        "billards anglais et promenades variées.\n"
        "Pension depuis sept francs.\n"
        "Prix réduits en juin.\n"
        "La Russie intensifie ses frappes en Syrie\n"
        "Le président refuse de mettre en"
    )
    reasons = [p.boilerplate for p in paragraphs(text)]
    assert reasons == [None, None, None, None, "heading", None]


def test_short_body_paragraphs_are_packed_into_units() -> None:
    # An advertisement set one short line a paragraph: each line alone is too short to
    # be indexed, packed together they make units.
    lines = [
        "Changement d'air pour personnes grippées.",
        "Billards français et anglais. Lawn-tennis.",
        "Promenades variées en plaine et à la montagne.",
        "Pension depuis sept francs.",
    ]
    prepared = prepare(Article("ad", "\n".join(lines)), DetectorConfig())
    assert unit_texts(prepared) == [
        "\n".join(lines[:2]).removesuffix("."),
        "\n".join(lines[2:]).removesuffix("."),
    ]
    assert prepared.indexable.all()


BODY = (
    "Le conseil de la ville vote le projet de loi pour la commune et le rapport du "
    "ministre sur la guerre. Le président de la séance et le juge du tribunal à la gare."
)


def test_a_short_last_paragraph_joins_the_unit_before_it() -> None:
    # Nothing follows the stray "l" to pack it with: alone it would be a unit no
    # alignment can reach, and a text would not cover itself fully.
    prepared = prepare(Article("a", BODY + "\nl"), DetectorConfig())
    assert unit_texts(prepared)[-1].endswith("la gare.\nl")
    assert prepared.body_chars == len(prepared.folded)


def test_a_piece_too_short_for_a_shingle_is_not_body() -> None:
    # After a heading, the stray letter has no unit to join.
    text = BODY + "\n\nLa Russie intensifie ses frappes en Syrie\nl"
    prepared = prepare(Article("a", text), DetectorConfig())
    assert [p.boilerplate for p in prepared.paragraphs][-2:] == ["heading", None]
    assert unit_texts(prepared)[-1].endswith("la gare")


def test_the_first_line_of_an_advertisement_is_not_peeled_off() -> None:
    # "Expédition de" is short, but it breaks off: it goes on in the next line and is
    # the advertisement's own text, not page furniture above a wrapped column.
    text = (
        "Expédition de\n"
        "fromage d'Emmenthal\n"
        "franco contre remboursement\n"
        "dans toute la Suisse, par cinq kilos, qua-\n"
        "lité extra ou fromage mi-gras, en par-\n"
        "ties ou en pains entiers, meilleur marché."
    )
    (body,) = [p for p in paragraphs(text) if p.boilerplate is None]
    assert text[body.start : body.end].startswith("Expédition de")
