"""What the engine reports on small, hand-made republication cases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from detector import Article, ArticleReport, DetectorConfig, Match, check_corpus
from detector.index import MemoryIndex
from detector.matcher import index_keys, match_article
from detector.model import parse_published_at
from detector.prepare import prepare
from detector.score import compare

WIRE = [
    "Le Conseil fédéral a décidé mardi de convoquer les chambres en session "
    "extraordinaire le 15 juin pour discuter du rachat des chemins de fer.",
    "Les députés romands ont annoncé qu'ils demanderaient le renvoi du projet à une "
    "commission spéciale, jugeant le prix proposé beaucoup trop élevé.",
    "Le chef du département des finances a rappelé que la dette des compagnies "
    "dépasse déjà neuf cents millions de francs et que chaque année de retard coûte cher.",
    "Les cantons de Vaud et de Genève réclament des garanties pour les lignes "
    "régionales, qui risquent selon eux d'être sacrifiées au profit des grandes lignes.",
]
LOCAL = [
    "A Lausanne, la foire de mai a été favorisée par un temps superbe et les marchands "
    "de bétail se déclarent satisfaits des prix obtenus sur la place de la Riponne.",
    "On a compté plus de huit cents têtes de gros bétail, un grand nombre de porcs et "
    "quelques chevaux, dont plusieurs ont été vendus à des acheteurs venus de France.",
    "La municipalité annonce que le marché aux légumes sera déplacé pendant la durée "
    "des travaux de la nouvelle halle, qui devraient s'achever avant l'hiver.",
]


def _report(reports: list[ArticleReport], article_id: str) -> ArticleReport:
    return next(r for r in reports if r.id == article_id)


def _match(reports: list[ArticleReport], a: str, b: str) -> Match:
    return next(m for m in _report(reports, a).matches if m.id == b)


def test_copy_with_other_furniture_is_a_duplicate() -> None:
    site_a = "Le Journal\nRégion | Suisse | Monde\nRechercher\n" + "\n".join(WIRE)
    site_b = "Gazette\n\n" + "\n\n".join(WIRE) + "\n\nPartager\nRetour en haut\n12345 678"
    reports = check_corpus([Article("a", site_a), Article("b", site_b)])
    match = _match(reports, "a", "b")
    assert match.kind == "duplicate"
    assert match.query_coverage == match.match_coverage == 1.0


def test_edited_copy_is_still_a_duplicate() -> None:
    edited = [
        WIRE[0].replace("mardi", "hier"),
        WIRE[1].replace("beaucoup trop", "trop"),
        WIRE[2],
        WIRE[3].replace("selon eux", ""),
    ]
    reports = check_corpus([Article("a", "\n".join(WIRE)), Article("b", "\n\n".join(edited))])
    match = _match(reports, "a", "b")
    assert match.kind == "duplicate"
    assert min(match.query_coverage, match.match_coverage) > 0.9
    assert all(0.9 < p.similarity <= 1.0 for p in match.passages)


def test_truncation_is_a_republication_covering_one_side() -> None:
    reports = check_corpus(
        [Article("full", "\n".join(WIRE)), Article("short", "\n".join(WIRE[:2]))]
    )
    match = _match(reports, "short", "full")
    assert match.kind == "republication"
    assert match.query_coverage == 1.0
    assert 0.3 < match.match_coverage < 0.7


def test_added_local_paragraphs_make_a_republication() -> None:
    reports = check_corpus(
        [Article("wire", "\n".join(WIRE)), Article("local", "\n".join(WIRE + LOCAL))]
    )
    match = _match(reports, "wire", "local")
    assert match.kind == "republication"
    assert match.query_coverage == 1.0
    assert match.match_coverage < 0.75


def test_one_quoted_paragraph_is_partial_with_spans_on_both_sides() -> None:
    host = "\n\n".join([LOCAL[0], WIRE[2], LOCAL[1], LOCAL[2]])
    reports = check_corpus([Article("wire", "\n".join(WIRE)), Article("host", host)])
    match = _match(reports, "host", "wire")
    assert match.kind == "partial"
    (passage,) = match.passages
    assert host[slice(*passage.query_span)] == WIRE[2]
    assert "\n".join(WIRE)[slice(*passage.match_span)] == WIRE[2]


def test_unrelated_articles_sharing_furniture_are_not_related() -> None:
    header = "Le Journal\nRégion | Suisse | Monde\nRechercher\n"
    footer = "\nPartager sur Facebook | Partager sur Twitter | Imprimer\nRetour en haut"
    reports = check_corpus(
        [
            Article("a", header + "\n".join(WIRE) + footer),
            Article("b", header + "\n".join(LOCAL) + footer),
        ]
    )
    assert all(not r.matches for r in reports)


def test_doubled_body_is_internal_repetition() -> None:
    body = "\n\n".join(WIRE)
    text = "Titre de l'article\n\n" + body + "\n\nfrench.example.com\n\n" + body
    (report,) = check_corpus([Article("x", text)])
    repeats = report.internal_repeats
    assert repeats.fraction == pytest.approx(0.5, abs=0.02)
    (span,) = repeats.spans
    assert text[slice(*span.first)] == body
    assert text[slice(*span.repeat)] == body
    assert span.repeat[0] == text.rindex(WIRE[0])


def test_figures_that_differ_are_not_a_repeat() -> None:
    text = (
        "Recettes de mai: 7 Anglais, 4 Américains, 1 Français, 12 Allemands, 6 Italiens.\n\n"
        + LOCAL[0]
        + "\n\nRecettes de juin: 7 Anglais, 28 Américains, 10 Français, 2 Allemands, 3 Italiens."
    )
    (report,) = check_corpus([Article("x", text)])
    assert report.internal_repeats.spans == ()


def test_figures_lost_to_ocr_still_match() -> None:
    # The reprint's scan read "20,000" as letters: digits facing letters are damage,
    # not other figures, so the two are still the same advertisement.
    clean = (
        "Contre la fatigue et les maux d'estomac, rien ne vaut la cure du véritable sirop "
        "ferrugineux Dupuis : plus de 20,000 attestations et lettres de remerciements "
        "en 26 ans de succès constant, dans toutes les pharmacies."
    )
    scanned = clean.replace("20,000", "O, OOO").replace("26 ans", "2 ii ans")
    reports = check_corpus([Article("a", clean), Article("b", scanned)])
    assert _match(reports, "a", "b").kind == "duplicate"


# One death-notice formula, worded a little differently each time and filled in with
# other names: what an archive prints every day, and not one notice reprinted.
_FORMULA = (
    "ont la douleur de faire part à leurs {p}amis et connaissances de la {g}perte {c}qu'ils "
    "viennent de faire en la personne de Monsieur {n}, leur cher {r}, frère, beau-frère, "
    "oncle et parent, {d}"
)
NOTICES = [
    family + _FORMULA.format(p=p, g=g, c=c, n=n, r=r, d=d)
    for family, p, g, c, n, r, d in (
        ("Madame Genevay et ses enfants ", "parents, ", "grande ", "",
         "Ferdinand Genevay, syndic", "époux, père, beau-père",
         "décédé le 24 octobre à l'âge de 71 ans."),
        ("Monsieur et Madame Perrin ", "", "", "cruelle ", "Charles Geneyne",
         "père, beau-père, grand-père", "que Dieu a repris à Lui le 2 décembre."),
        ("Les familles Vogel et Schenk ", "", "", "douloureuse ", "Hermann Vogel, député",
         "époux", "enlevé à leur affection après une courte maladie."),
        ("Madame Landry et sa fille ", "", "", "irréparable ", "Jules Landry, notaire",
         "fils", "décédé le 3 janvier dans sa 80e année."),
    )
]  # fmt: skip


def _related(reports: list[ArticleReport]) -> set[tuple[str, str]]:
    return {(r.id, m.id) for r in reports for m in r.matches if r.id < m.id}


def test_a_common_formula_filled_in_anew_is_not_reuse() -> None:
    # The formula's units are common (carried by more than common_df articles); its
    # passages are long enough, but each is broken where the names differ. The reprint
    # of one notice, with its scan's misread letters, runs on through them.
    reprint = NOTICES[0].replace("connaissances", "connaisr sauces").replace("Monsieur", "Monsienr")
    articles = [Article(f"n{i}", text) for i, text in enumerate(NOTICES)]
    articles.append(Article("reprint", reprint))
    config = DetectorConfig(common_df=2)
    assert _related(check_corpus(articles, config)) == {("n0", "reprint")}
    loose = _related(check_corpus(articles, replace(config, common_run_chars=0)))
    assert ("n0", "reprint") in loose
    assert len(loose) > 1  # without the rule, notices of other deaths are related


def test_a_short_passage_broken_where_a_template_differs_is_not_reuse() -> None:
    # Two advertisements end in the agency's wording with other ciphers: 103 aligned
    # letters, under common_passage_chars, whose longest run is 57 letters.
    wanted = (
        "Jeune homme de 25 ans, connaissant la comptabilité et les langues, cherche place "
        "dans une maison de commerce. Très bonnes références à disposition. Adresser offres "
        "sous chiffres S. 13377 L, à l'agence de publicité Haasenstein et Vogler, Lausanne."
    )
    offered = (
        "On demande pour le 1er mai une cuisinière sachant faire un bon ordinaire. Très "
        "bonnes références à disposition. Adresser les offres sous chiffre Hc. 6237 N. à "
        "l'agence de publicité Haasenstein et Vogler, Lausanne."
    )

    def related(config: DetectorConfig) -> bool:
        a, b = (prepare(Article(i, t), config) for i, t in (("a", wanted), ("b", offered)))
        return compare(a, b, config) is not None

    assert not related(DetectorConfig(short_run_chars=60))
    assert related(DetectorConfig(short_run_chars=57))
    assert related(DetectorConfig(short_run_chars=60, common_passage_chars=100))


def test_passage_grows_past_units_cut_differently() -> None:
    # The reprint runs the first two sentences into one: no unit of one side shares
    # half its shingles with the first unit of the other, but the verified passage that
    # follows is extended back over them along the same alignment.
    wire = (
        "ZURICH, 6. — Une rixe provoquée par des ivrognes a eu lieu dimanche à la gare. "
        "La police a dû engager une lutte avec la foule assemblée. Vingt personnes ont été "
        "blessées. Trois arrestations ont été opérées, entre autres celle du cafetier, qui "
        "a été relâché lundi."
    )
    reprint = (
        "Une rixe provoquée par les ivrognes : la police a dû engager une lutte avec la foule "
        "assemblée. Vingt personnes ont été sérieusement blessées ; trois arrestations ont "
        "été opérées.\n\nAu nombre des personnes arrêtées figure le cafetier, relâché lundi."
    )
    match = _match(check_corpus([Article("a", wire), Article("b", reprint)]), "a", "b")
    (passage,) = match.passages
    assert wire[slice(*passage.query_span)].startswith("Une rixe provoquée par des ivrognes")
    assert reprint[slice(*passage.match_span)].startswith("Une rixe provoquée par les ivrognes")


def test_earliest_published_article_is_marked_original() -> None:
    text = "\n".join(WIRE)
    articles = [
        Article("late", text, published_at=parse_published_at("2015-10-08T10:00:00Z")),
        Article("early", text, published_at=parse_published_at("2015-10-07T10:00:00Z")),
        Article("undated", text),
    ]
    reports = check_corpus(articles)
    assert _match(reports, "late", "early").original
    assert not _match(reports, "late", "undated").original
    assert not any(m.original for m in _report(reports, "early").matches)


def test_index_path_gives_the_same_matches_as_check_corpus() -> None:
    config = DetectorConfig()
    corpus = [
        Article("wire", "\n".join(WIRE)),
        Article("local", "\n".join(WIRE[:2] + LOCAL)),
        Article("other", "\n".join(LOCAL[1:])),
    ]
    index = MemoryIndex()
    for article in corpus:
        index.upsert(article, index_keys(prepare(article, config)))
    for report in check_corpus(corpus, config):
        query = next(a for a in corpus if a.id == report.id)
        found = match_article(index, query, config)
        assert [(m.id, m.kind) for m in found] == [(m.id, m.kind) for m in report.matches]


def test_progress_hears_every_step() -> None:
    heard: list[tuple[str, int, int]] = []
    corpus = [Article("wire", "\n".join(WIRE)), Article("local", "\n".join(WIRE[:2] + LOCAL))]
    check_corpus(corpus, progress=lambda step, done, total: heard.append((step, done, total)))
    steps = [step for step, _, _ in heard]
    assert steps == ["fingerprint", "candidates", "verify", "repeats"]
    assert all(done == total for _, done, total in heard)
