"""Bad and extreme input never crashes the engine: empty results, or InvalidArticle
naming the field (DESIGN.md, "Reliability rules")."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from detector import (
    Article,
    ArticleReport,
    DetectorConfig,
    InvalidArticle,
    RediteError,
    check_corpus,
)
from detector.model import parse_published_at
from detector.prepare import prepare
from tests.properties import property_settings

PROPERTY = property_settings(50, [HealthCheck.too_slow])

NEWS = (
    "Le vice-ministre russe de la Défense a annoncé mercredi que des navires de la "
    "flottille de la Caspienne avaient tiré vingt-six missiles de croisière sur des "
    "cibles en Syrie.\n\nSelon lui, toutes les cibles ont été détruites et aucun objet "
    "civil n'a été touché pendant l'opération, qui a duré plusieurs heures."
)

BAD_TEXTS = {
    "empty": "",
    "whitespace only": " \n\n\t\r\n  \u2028 \u00a0 ",
    "no letters": "1234 5678 !!!",
    "only NUL bytes": "\x00" * 50,
    "only emoji": "😀👍🏽🇫🇷 " * 20,
    "control characters": "\x01\x02\x0b\x0c\x1b[31m\x7f" * 10,
    "lone surrogates": "\ud800\udfff abc \udc00" * 10,
    "mixed scripts and emoji": "Москва 北京 Αθήνα 😀 café ﬁn 𝐀𝐁𝐂 مرحبا שלום नमस्ते 한국어 " * 5,
}


def assert_sane(reports: list[ArticleReport], articles: list[Article]) -> None:
    """Reports in input order, scores within [0, 1], every span inside its text."""
    texts = {a.id: a.text for a in articles}
    assert [r.id for r in reports] == [a.id for a in articles]
    for report in reports:
        text = texts[report.id]
        repeats = report.internal_repeats
        assert 0.0 <= repeats.fraction <= 1.0
        for span in repeats.spans:
            for start, end in (span.first, span.repeat):
                assert 0 <= start < end <= len(text)
        for match in report.matches:
            assert match.id != report.id
            for value in (match.score, match.query_coverage, match.match_coverage):
                assert 0.0 <= value <= 1.0
            for passage in match.passages:
                assert 0.0 <= passage.similarity <= 1.0
                q_start, q_end = passage.query_span
                m_start, m_end = passage.match_span
                assert 0 <= q_start < q_end <= len(text)
                assert 0 <= m_start < m_end <= len(texts[match.id])


def words(count: int, seed: int, vocabulary: int = 3000) -> list[str]:
    """Pseudo-words with a fixed seed: text that shares nothing by accident."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzéè"
    vocab = [
        "".join(rng.choice(letters) for _ in range(rng.randint(1, 10))) for _ in range(vocabulary)
    ]
    return [rng.choice(vocab) for _ in range(count)]


# --- texts with nothing to match --------------------------------------------------------


@pytest.mark.parametrize("text", BAD_TEXTS.values(), ids=BAD_TEXTS.keys())
def test_bad_text_gives_empty_results(text: str) -> None:
    articles = [Article("a", text), Article("b", text), Article("news", NEWS)]
    reports = check_corpus(articles)
    assert_sane(reports, articles)
    assert all(m.id != "news" for r in reports[:2] for m in r.matches)
    assert reports[2].matches == ()


LETTERLESS = [
    name for name in BAD_TEXTS if name not in ("lone surrogates", "mixed scripts and emoji")
]


@pytest.mark.parametrize("name", LETTERLESS)
def test_letterless_text_has_no_units(name: str) -> None:
    text = BAD_TEXTS[name]
    config = DetectorConfig()
    prepared = prepare(Article("a", text), config)
    assert prepared.units.shape == (0, 2)
    assert prepared.signatures.shape == (0, config.num_perm)
    assert prepared.lookup_keys().shape == (0,)
    assert prepared.body_chars == 0
    (report,) = check_corpus([prepared.article])
    assert report.matches == ()
    assert report.internal_repeats.spans == ()


def test_no_articles() -> None:
    assert check_corpus([]) == []


# --- odd characters inside real text ----------------------------------------------------


def test_nul_bytes_inside_an_article_do_not_hide_the_copy() -> None:
    dirty = NEWS.replace(" de ", " de\x00").replace("Syrie", "Sy\x00rie")
    articles = [Article("clean", NEWS), Article("dirty", dirty)]
    reports = check_corpus(articles)
    assert_sane(reports, articles)
    (match,) = reports[1].matches
    assert match.id == "clean"
    assert match.kind == "duplicate"
    assert "\x00" in "".join(dirty[slice(*p.query_span)] for p in match.passages)


def test_mixed_scripts_and_emoji_match_their_copy() -> None:
    text = (
        "Москва заявила в среду, что корабли Каспийской флотилии выпустили ракеты 🚀 по целям "
        "в Сирии. 北京方面呼吁各方保持克制，并表示将继续关注局势发展。 Η Αθήνα ζήτησε "
        "αυτοσυγκράτηση από όλες τις πλευρές 🙏 και νέα διαπραγμάτευση. 𝐄𝐱𝐭𝐫𝐚 text ﬁnal."
    )
    articles = [Article("a", text), Article("b", "🔴 DIRECT 🔴\n\n" + text)]
    reports = check_corpus(articles)
    assert_sane(reports, articles)
    assert [m.kind for m in reports[0].matches] == ["duplicate"]


# --- size and repetition ----------------------------------------------------------------


def test_a_single_200000_character_line() -> None:
    line = " ".join(words(40_000, seed=3))[:200_000]
    assert len(line) == 200_000
    assert "\n" not in line
    config = DetectorConfig()
    articles = [Article("line", line), Article("half", "Préambule ajouté " + line[:100_000])]
    reports = check_corpus(articles, config)
    assert_sane(reports, articles)
    assert reports[0].internal_repeats.spans == ()
    (match,) = reports[1].matches
    assert match.id == "line"
    assert match.query_coverage > 0.99
    assert 0.45 < match.match_coverage < 0.55
    prepared = prepare(articles[0], config)
    lengths = prepared.units[:, 1] - prepared.units[:, 0]
    assert int(lengths.max()) <= config.unit_max_chars


def test_a_single_200000_character_line_of_one_word() -> None:
    line = ("abcdefghij " * 20_000)[:200_000]
    articles = [Article("a", line)]
    (report,) = check_corpus(articles)
    assert_sane([report], articles)
    assert report.internal_repeats.fraction > 0.9


def test_a_200000_character_run_of_full_stops_inside_a_sentence() -> None:
    # Read from every mark in turn, the run took time quadratic in its length (hours).
    text = f"{NEWS} Suite{'.' * 200_000}suite de la phrase, qui ne finit pas là."
    articles = [Article("a", text), Article("b", NEWS)]
    reports = check_corpus(articles)
    assert_sane(reports, articles)
    assert [m.id for m in reports[1].matches] == ["a"]


@pytest.mark.slow
def test_a_10_mb_text() -> None:
    vocab = words(5000, seed=5)
    sentences, size, at = [], 0, 0
    while size < 10_000_000:
        # Sentences of 6 to 24 words walking through the vocabulary at a varying stride.
        length = 6 + at % 19
        sentence = " ".join(vocab[(at * 7 + n * 13) % len(vocab)] for n in range(length))
        sentences.append(sentence.capitalize() + ".")
        size += len(sentences[-1]) + 1
        at += 1
    text = "\n\n".join(" ".join(sentences[i : i + 30]) for i in range(0, len(sentences), 30))
    assert len(text) >= 10_000_000
    config = DetectorConfig()
    prepared = prepare(Article("big", text), config)
    assert prepared.units.shape[0] > 30_000
    lengths = prepared.units[:, 1] - prepared.units[:, 0]
    assert int(lengths.max()) <= config.unit_max_chars
    assert prepared.body_chars == int(lengths.sum())
    lo, hi = prepared.folded.original_span(0, len(prepared.folded))
    assert 0 <= lo < hi <= len(text)


@pytest.mark.parametrize(
    ("line", "separator"),
    [
        ("Une ligne courte répétée.", " "),
        ("Une ligne courte répétée.", "\r\n"),
        ("Une ligne courte", "\n"),
        ("T+ | T-", "\n"),
        ("Partager", "\n\n"),
    ],
)
def test_a_short_line_repeated_3000_times(line: str, separator: str) -> None:
    articles = [Article("a", separator.join([line] * 3000))]
    reports = check_corpus(articles)
    assert_sane(reports, articles)


def test_a_paragraph_printed_300_times_is_repeated_text() -> None:
    paragraph = (
        "Le ministre a annoncé mardi une réforme complète du système de retraites des "
        "fonctionnaires. Les syndicats ont aussitôt appelé à une grève générale de deux jours."
    )
    text = "\n\n".join([paragraph] * 300)
    articles = [Article("a", text)]
    (report,) = check_corpus(articles)
    assert_sane([report], articles)
    assert report.internal_repeats.fraction > 0.99
    assert all(span.first[0] == 0 for span in report.internal_repeats.spans)


def test_a_short_sentence_printed_ten_times_is_a_repeat() -> None:
    text = "Une phrase courte, répétée. " * 10
    (report,) = check_corpus([Article("a", text)])
    assert report.internal_repeats.fraction > 0.5


# --- invalid articles -------------------------------------------------------------------


def test_duplicate_ids_are_refused_naming_the_id() -> None:
    articles = [Article("x-17", NEWS), Article("other", "texte"), Article("x-17", "autre")]
    with pytest.raises(InvalidArticle, match=r"duplicate id 'x-17' \(articles 1 and 3\)"):
        check_corpus(articles)


@pytest.mark.parametrize(
    ("article_id", "text", "named"),
    [
        (17, "texte", "id"),
        (None, "texte", "id"),
        ("", "texte", "id"),
        (b"a", "texte", "id"),
        ("a", None, "text"),
        ("a", b"bytes", "text"),
        ("a", ["liste"], "text"),
    ],
)
def test_article_fields_must_be_strings(article_id: object, text: object, named: str) -> None:
    with pytest.raises(InvalidArticle, match=named) as raised:
        Article(article_id, text)  # type: ignore[arg-type]
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, RediteError)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2015-10-07T04:59:00Z", datetime(2015, 10, 7, 4, 59, tzinfo=UTC)),
        ("2015-10-07T04:59:00+00:00", datetime(2015, 10, 7, 4, 59, tzinfo=UTC)),
        (
            "2015-10-07T06:59:00.250+02:00",
            datetime(2015, 10, 7, 6, 59, 0, 250_000, tzinfo=timezone(timedelta(hours=2))),
        ),
        (None, None),
    ],
)
def test_published_at_accepts_rfc3339(value: str | None, expected: datetime | None) -> None:
    parsed = parse_published_at(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() is not None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2015-10-07T04:59:00", "time zone"),
        ("2015-10-07", "not an RFC 3339 timestamp"),
        ("2020-01-01 00:00+01", "not an RFC 3339 timestamp"),
        ("2020-01-01T00:00:00+05:30:15", "not an RFC 3339 timestamp"),
        ("yesterday", "not an RFC 3339 timestamp"),
        ("", "not an RFC 3339 timestamp"),
        ("2015-13-45T99:99:99Z", "not an RFC 3339 timestamp"),
        (1444193940, "must be an RFC 3339 string"),
        ({"date": "2015-10-07"}, "must be an RFC 3339 string"),
    ],
)
def test_published_at_rejects_naive_and_garbage(value: object, problem: str) -> None:
    with pytest.raises(InvalidArticle, match=r"^published_at ") as raised:
        parse_published_at(value)
    assert problem in str(raised.value)
    with pytest.raises(InvalidArticle, match=r"^date "):
        parse_published_at(value, "date")


def test_published_at_error_quotes_only_the_start_of_long_garbage() -> None:
    with pytest.raises(InvalidArticle) as raised:
        parse_published_at("x" * 10_000)
    assert len(str(raised.value)) < 200


def test_naive_published_at_is_refused() -> None:
    with pytest.raises(InvalidArticle, match="published_at"):
        Article("a", NEWS, published_at=datetime(2015, 10, 7, 4, 59))
    with pytest.raises(InvalidArticle, match="published_at"):
        Article("a", NEWS, published_at="2015-10-07T04:59:00Z")  # type: ignore[arg-type]


# --- any mixture of the above -----------------------------------------------------------

PIECES = st.sampled_from(
    [
        *BAD_TEXTS.values(),
        *NEWS.split("\n\n"),
        "Rechercher",
        "T+ | T-",
        "Publié le 2015-10-07 à 04:59 | french.xinhuanet.com",
        "( Lire aussi : La Russie frappe de nouveau des positions en Syrie )",
        "cruelle qu'ils viennent d'é-\nprouver en la personne de",
        " ".join(words(80, seed=1)),
    ]
)
DOCUMENTS = st.lists(PIECES, max_size=8).map("\n".join)


@PROPERTY
@given(st.lists(DOCUMENTS, min_size=1, max_size=4))
def test_any_mixture_gives_sane_results(texts: list[str]) -> None:
    articles = [Article(f"doc{i}", text) for i, text in enumerate(texts)]
    reports = check_corpus(articles)
    assert_sane(reports, articles)
    # Pairs are reported from both sides.
    related = {(r.id, m.id) for r in reports for m in r.matches}
    assert related == {(b, a) for a, b in related}


# Without the one piece whose letters are a single repeated word (see the xfail below).
DIVERSE_DOCUMENTS = st.lists(
    PIECES.filter(lambda piece: piece != BAD_TEXTS["lone surrogates"]), max_size=8
).map("\n".join)


@PROPERTY
@given(DIVERSE_DOCUMENTS)
def test_a_text_with_a_body_matches_its_copy_fully(text: str) -> None:
    articles = [Article("a", text), Article("b", text)]
    reports = check_corpus(articles)
    assert_sane(reports, articles)
    for match in reports[0].matches:
        assert match.kind == "duplicate"
    if NEWS.split("\n\n", maxsplit=1)[0] in text:
        (match,) = reports[0].matches
        assert match.query_coverage == pytest.approx(1.0)


def test_an_exact_copy_with_a_repetitive_sentence_is_a_duplicate() -> None:
    text = (
        "Le vice-ministre russe de la Défense a annoncé mercredi que des navires de la "
        "flottille de la Caspienne avaient tiré vingt-six missiles de croisière sur des "
        "cibles en Syrie.\n\n"
        "Merci merci merci merci merci merci merci merci merci merci merci merci."
    )
    reports = check_corpus([Article("a", text), Article("b", text)])
    assert [(m.kind, m.query_coverage) for m in reports[0].matches] == [("duplicate", 1.0)]
