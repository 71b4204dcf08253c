"""detector.text: folding to the letters-and-digits stream, and the map back."""

from __future__ import annotations

import unicodedata
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detector import kernels
from detector.text import code_points, fold, fold_batch, widen
from tests.properties import property_settings

PROPERTY = property_settings(60)

# Characters that exercise every branch of fold(): ligatures and other expansions,
# fullwidth forms, astral letters and digits, emoji, combining marks, lone surrogates,
# line breaks and hyphens.
TRICKY = [
    *"aZé ß-\n\r\t.,«»'’\"ﬁﬃＡ１北京Ωжİǅ½①Ⅻ",
    "\U0001d400",  # MATHEMATICAL BOLD CAPITAL A (astral letter)
    "\U0001d7d9",  # MATHEMATICAL DOUBLE-STRUCK DIGIT ONE (astral digit)
    "\U00020000",  # CJK UNIFIED IDEOGRAPH-20000 (astral letter, kept as is)
    "\U0001f600",  # emoji
    "\U0001f3fd",  # skin tone modifier
    "\u0301",  # COMBINING ACUTE ACCENT
    "\u200d",  # ZERO WIDTH JOINER
    "\ud800",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "\x00",
]
texts = st.lists(st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=80).map("".join)


# --- what fold() keeps and drops ------------------------------------------------------


def test_fold_keeps_only_letters_and_digits() -> None:
    assert fold("Hello, World! 42 — «ok» (n°7)").text == "helloworld42okn7"


def test_fold_casefolds() -> None:
    assert fold("ÉCOLE Polytechnique").text == fold("école polytechnique").text


def test_fold_strips_accents() -> None:
    assert fold("àéîõüçñ Ærø").text == "aeioucnærø"
    assert fold("Éléphant").text == "elephant"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ﬁn", "fin"),  # LATIN SMALL LIGATURE FI
        ("eﬃcace", "efficace"),  # LATIN SMALL LIGATURE FFI
        ("ＡＢＣ１２３", "abc123"),  # fullwidth letters and digits
        ("ｶﾞ", "カ"),  # halfwidth katakana + voiced mark: NFKC composes, accent stripped
        ("①", "1"),
        ("㎏", "kg"),
    ],
)
def test_fold_applies_nfkc(text: str, folded: str) -> None:
    assert fold(text).text == folded


def test_sharp_s_folds_to_ss() -> None:
    assert fold("Straße").text == "strasse"
    assert fold("STRASSE").text == fold("Straße").text


def test_fold_keeps_cjk_cyrillic_and_greek_letters() -> None:
    assert fold("北京 Москва Αθήνα").text == "北京москваαθηνα"


def test_emoji_are_dropped() -> None:
    assert fold("a😀b👍🏽c 🇫🇷").text == "abc"


def test_astral_characters_take_the_slow_path() -> None:
    text = "x\U0001d400\U0001d7d9\U00020000y"  # bold A, double-struck 1, CJK ext. B
    folded = fold(text)
    assert folded.text == "xa1\U00020000y"
    assert folded.pos.tolist() == [0, 1, 2, 3, 4]


def test_expansions_map_every_folded_char_to_their_source() -> None:
    folded = fold("Straße ﬁn")
    assert folded.text == "strassefin"
    assert folded.pos.tolist() == [0, 1, 2, 3, 4, 4, 5, 7, 7, 8]


def test_lone_surrogates_do_not_crash() -> None:
    text = "x\ud800y\udfffz"
    folded = fold(text)
    assert folded.text == "xyz"
    assert folded.pos.tolist() == [0, 2, 4]
    # One code point per character, so offsets stay those of the Python string.
    assert code_points(text).shape == (len(text),)


def test_empty_and_letterless_texts_fold_to_nothing() -> None:
    for text in ("", "   \n\t", "!!! — …", "😀😀"):
        folded = fold(text)
        assert len(folded) == 0
        assert folded.text == ""
        assert folded.original_span(0, 0) == (0, 0)


def test_line_break_hyphenation_is_repaired() -> None:
    assert fold("fa-\nmilles").text == fold("familles").text
    assert fold("fa-\r\nmilles").text == fold("familles").text


def test_spelling_variants_fold_alike() -> None:
    assert fold("Deir ez-Zor").text == fold("Deir Ezzor").text
    assert fold("l’État « nouveau »").text == fold('l\'Etat "nouveau"').text


def test_canonically_equivalent_korean_folds_alike() -> None:
    text = "한국어 텍스트, 값과 닭"
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text
    folded = fold(decomposed)
    assert folded.text == fold(text).text
    # each syllable maps back to its first jamo
    assert [decomposed[at] for at in folded.pos.tolist()[:3]] == ["\u1112", "\u1100", "\u110b"]


def test_jamo_apart_in_the_text_are_not_composed() -> None:
    assert fold("\u1112-\u1161").text == "\u1112\u1161"  # a hyphen between: no syllable


# --- the map back to the original text --------------------------------------------------


@PROPERTY
@given(texts)
def test_each_folded_char_comes_from_the_char_pos_points_at(text: str) -> None:
    folded = fold(text)
    assert folded.pos.shape == folded.chars.shape
    assert len(folded.text) == len(folded)
    for char, at in zip(folded.text, folded.pos.tolist(), strict=True):
        assert 0 <= at < len(text)
        # a Hangul syllable composed of conjoining jamo comes from its first jamo
        assert char in fold(text[at]).text or char in fold(text[at : at + 3]).text


@PROPERTY
@given(texts)
def test_fold_is_the_concatenation_of_per_char_folds(text: str) -> None:
    assert fold(text).text == "".join(fold(char).text for char in text)
    positions = fold(text).pos.tolist()
    assert positions == sorted(positions)


@PROPERTY
@given(texts, st.data())
def test_original_span_and_folded_index_round_trip(text: str, data: st.DataObject) -> None:
    folded = fold(text)
    n = len(folded)
    start = data.draw(st.integers(0, n), label="start")
    end = data.draw(st.integers(start, n), label="end")
    lo, hi = folded.original_span(start, end)
    assert 0 <= lo <= hi <= len(text)
    if end > start:
        # The original span holds exactly the source characters of the folded range.
        assert folded.folded_index(lo) <= start
        assert folded.folded_index(hi) >= end
        assert folded.text[start:end] in fold(text[lo:hi]).text
    else:
        assert lo == hi
    for i, at in enumerate(folded.pos.tolist()):
        first = folded.folded_index(at)
        assert first <= i
        assert int(folded.pos[first]) == at


def test_original_span_of_a_word() -> None:
    text = "Il vit à Deir ez-Zor, en Syrie."
    folded = fold(text)
    start = folded.folded_index(text.index("Deir"))
    end = folded.folded_index(text.index(", en"))
    assert folded.text[start:end] == "deirezzor"
    assert folded.original_span(start, end) == (text.index("Deir"), text.index(", en"))


def test_empty_original_span_sits_at_the_offset() -> None:
    text = "ab, cd"
    folded = fold(text)
    assert folded.original_span(2, 2) == (4, 4)
    assert folded.original_span(4, 4) == (6, 6)  # past the end: end of the last char


# --- widen ----------------------------------------------------------------------------


def test_widen_takes_hugging_quotes_and_punctuation() -> None:
    text = "Il a dit: «Nous partons.» Puis"
    assert widen(text, 11, 23) == (10, 25)
    assert text[10:25] == "«Nous partons.»"


def test_widen_stops_at_spaces_and_letters() -> None:
    text = "« Nous partons » puis"
    assert widen(text, 2, 14) == (2, 14)
    assert widen("abc def", 4, 7) == (4, 7)
    assert widen("(abc)", 1, 4) == (0, 5)


@PROPERTY
@given(texts, st.data())
def test_widen_adds_only_word_ends_and_punctuation(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)), label="start")
    end = data.draw(st.integers(start, len(text)), label="end")
    lo, hi = widen(text, start, end)
    assert 0 <= lo <= start <= end <= hi <= len(text)
    added = text[lo:start] + text[end:hi]
    assert not any(c.isspace() for c in added)


JAMO = ["\u1100", "\u1161", "\u11a8", "\u1112", "\u1175", "\uac00"]


@PROPERTY
@given(st.lists(texts | st.lists(st.sampled_from([*JAMO, *"ab "])).map("".join), max_size=8))
def test_a_batch_folds_as_each_text_alone(batch: list[str]) -> None:
    """fold_batch on the compiled path (every text at once) gives fold()'s stream and
    offsets for each text: plain, with expansions, astral characters, surrogates or
    jamo to compose."""
    with patch.object(kernels, "FORCE", True):
        found = fold_batch(batch)
    for text, folded in zip(batch, found, strict=True):
        alone = fold(text)
        assert folded.chars.tolist() == alone.chars.tolist()
        assert folded.pos.tolist() == alone.pos.tolist()
