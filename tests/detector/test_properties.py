"""Properties that hold for any text (hypothesis)."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations, pairwise, product
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from detector import Article, ArticleReport, check_corpus, kernels
from detector.align import (
    _FULL_JOIN,
    _MIN_SHARED,
    longest_run,
    may_self_pair,
    passages,
    self_paired,
    unit_pairs,
)
from detector.boilerplate import NOTICE_FRAGMENTS, may_hold_notice
from detector.config import DetectorConfig
from detector.fingerprint import shingle_hashes
from detector.prepare import Prepared, may_hold_notices, prepare_batch
from detector.text import fold
from tests.properties import property_settings

WORDS = [
    *("le", "la", "les", "un", "une", "des", "de", "du", "et", "à", "en", "pour", "avec"),
    *("sur", "dans", "par", "ministre", "conseil", "gouvernement", "ville", "séance"),
    *("projet", "loi", "vote", "député", "commune", "rapport", "guerre", "paix"),
    *("président", "armée", "frontière", "accord", "traité", "marché", "prix", "blé"),
    *("vin", "lait", "école", "église", "hôpital", "tribunal", "juge", "témoin"),
    *("incendie", "orage", "récolte", "chemin", "fer", "gare", "train"),
]

SETTINGS = property_settings(40, [HealthCheck.too_slow])


@st.composite
def articles_text(draw: st.DrawFn) -> str:
    """A few French-like paragraphs, with the odd non-letter thrown in."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(draw(st.integers(1, 5))):
        sentences = []
        for _ in range(rng.randint(1, 4)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(6, 22))]
            sentences.append(" ".join(words).capitalize() + rng.choice([".", ".", "!", " ?"]))
        paragraphs.append(" ".join(sentences))
    noise = draw(st.text(max_size=30))
    return draw(st.sampled_from(["\n\n", "\n"])).join(paragraphs) + noise


any_text = st.one_of(articles_text(), st.text(max_size=400))


def _check_spans(report: ArticleReport, texts: dict[str, str]) -> None:
    own = texts[report.id]
    for span in report.internal_repeats.spans:
        for start, end in (span.first, span.repeat):
            assert 0 <= start <= end <= len(own)
    assert 0.0 <= report.internal_repeats.fraction <= 1.0
    for match in report.matches:
        assert 0.0 <= match.score <= 1.0
        assert 0.0 <= match.query_coverage <= 1.0
        assert 0.0 <= match.match_coverage <= 1.0
        other = texts[match.id]
        for passage in match.passages:
            assert 0 <= passage.query_span[0] < passage.query_span[1] <= len(own)
            assert 0 <= passage.match_span[0] < passage.match_span[1] <= len(other)
            assert 0.0 <= passage.similarity <= 1.0
            # The span points at the quoted passage: it starts and ends on text.
            quoted = own[slice(*passage.query_span)]
            assert quoted.strip() == quoted or not quoted.strip()


@SETTINGS
@given(articles_text())
def test_a_text_matches_itself_fully(text: str) -> None:
    reports = check_corpus([Article("a", text), Article("b", text)])
    matches = reports[0].matches
    if not matches:
        # Too little body to hold one passage: nothing to find.
        return
    (match,) = matches
    assert match.kind == "duplicate"
    assert match.query_coverage == match.match_coverage == 1.0


@SETTINGS
@given(articles_text())
def test_a_passage_of_a_text_with_itself_is_one_run(text: str) -> None:
    config = DetectorConfig()
    a, b = prepare_batch([Article("a", text), Article("b", text)], config)
    for region in passages(a, b, config):
        assert longest_run(a, b, region) == region.a_end - region.a_start


@SETTINGS
@given(st.lists(any_text, min_size=1, max_size=4))
def test_scores_and_spans_are_in_range(texts: list[str]) -> None:
    articles = [Article(f"t{i}", t) for i, t in enumerate(texts)]
    by_id = {a.id: a.text for a in articles}
    for report in check_corpus(articles):
        _check_spans(report, by_id)


@SETTINGS
@given(articles_text(), articles_text(), st.randoms(use_true_random=False))
def test_which_pairs_match_does_not_depend_on_input_order(
    first: str, second: str, rng: random.Random
) -> None:
    shared = first.split("\n", maxsplit=1)[0]
    articles = [
        Article("a", first),
        Article("b", second),
        Article("c", second + "\n\n" + shared),
        Article("d", shared + "\n\n" + first),
    ]
    shuffled = articles[:]
    rng.shuffle(shuffled)

    def pairs(found: list[ArticleReport]) -> set[tuple[str, str, str]]:
        return {(r.id, m.id, m.kind) for r in found for m in r.matches}

    assert pairs(check_corpus(articles)) == pairs(check_corpus(shuffled))


@SETTINGS
@given(articles_text())
def test_every_pair_is_reported_from_both_sides(text: str) -> None:
    reports = check_corpus([Article("a", text), Article("b", "Intro.\n\n" + text)])
    forward = {(r.id, m.id) for r in reports for m in r.matches}
    assert forward == {(b, a) for a, b in forward}


def _index(p: Prepared) -> tuple[dict[int, list[int]], list[int]]:
    """Each shingle hash -> the units holding it (ascending), and the unit sizes."""
    hashes, unit = p.shingles_by_hash
    sizes = p.unit_sizes
    index: dict[int, list[int]] = {}
    for h, u in zip(hashes.tolist(), unit.tolist(), strict=True):
        index.setdefault(h, []).append(u)
    return index, sizes.tolist()


def _reference_self_pairs(a: Prepared, config: DetectorConfig) -> list[tuple[int, int]]:
    """unit_pairs of a text with itself, the plain way: a dict of hashes."""
    a_index, a_sizes = _index(a)
    shared: Counter[tuple[int, int]] = Counter()
    for a_units in a_index.values():
        if len(a_units) < 2:
            continue
        if len(a_units) <= _FULL_JOIN:
            shared.update(combinations(a_units, 2))
        else:
            shared.update(pairwise(a_units))
    return sorted(
        (i, j)
        for (i, j), count in shared.items()
        if count >= min(_MIN_SHARED, a_sizes[i], a_sizes[j])
        and count >= config.verify_containment * min(a_sizes[i], a_sizes[j])
    )


def _reference_pairs(a: Prepared, b: Prepared, config: DetectorConfig) -> list[tuple[int, int]]:
    """unit_pairs across two texts, written the plain way: a dict join on hashes."""
    a_index, a_sizes = _index(a)
    b_index, b_sizes = _index(b)
    shared: Counter[tuple[int, int]] = Counter()
    for h in a_index.keys() & b_index.keys():
        a_units, b_units = a_index[h], b_index[h]
        if len(a_units) * len(b_units) <= _FULL_JOIN * _FULL_JOIN:
            shared.update(product(a_units, b_units))
        else:
            shared.update(product(a_units[:1], b_units))
            shared.update(product(a_units[1:], b_units[:1]))
    return sorted(
        (i, j)
        for (i, j), count in shared.items()
        if count >= min(_MIN_SHARED, a_sizes[i], b_sizes[j])
        and count >= config.verify_containment * min(a_sizes[i], b_sizes[j])
    )


@SETTINGS
@given(articles_text(), articles_text(), st.integers(1, 12))
def test_the_vectorised_unit_join_equals_the_plain_one(one: str, two: str, copies: int) -> None:
    config = DetectorConfig()
    # Repeating a paragraph makes hashes held by many units, the join's special case.
    repeated = "\n\n".join([one.split("\n", maxsplit=1)[0]] * copies) + "\n\n" + two
    a, b, c = prepare_batch([Article("a", one), Article("b", two), Article("c", repeated)], config)
    for x, y in ((a, b), (b, a), (a, c), (c, a), (c, c), (b, c)):
        expected = _reference_pairs(x, y, config)
        for force in (False, True):  # numpy's join and the compiled one
            with patch.object(kernels, "FORCE", force):
                assert unit_pairs(x, y, config) == expected
    for x in (a, b, c):
        assert sorted(unit_pairs(x, None, config)) == _reference_self_pairs(x, config)


@SETTINGS
@given(st.lists(st.tuples(articles_text(), st.integers(1, 3)), min_size=1, max_size=6))
def test_texts_with_self_pairs_are_found_together_as_one_by_one(
    drawn: list[tuple[str, int]],
) -> None:
    config = DetectorConfig()
    # A text printed ``copies`` times over repeats itself; once, it rarely does.
    texts = ["\n\n".join([text] * copies) for text, copies in drawn]
    prepared = prepare_batch([Article(str(n), t) for n, t in enumerate(texts)], config)
    one_by_one = [bool(unit_pairs(p, None, config)) for p in prepared]
    assert self_paired(prepared, config).tolist() == one_by_one


@SETTINGS
@given(st.lists(st.tuples(articles_text(), st.integers(0, 2**32 - 1)), min_size=1, max_size=6))
def test_the_cheap_self_pair_test_lets_every_paired_text_through(
    drawn: list[tuple[str, int]],
) -> None:
    config = DetectorConfig()
    # A slice of the text, edited here and there, printed again: unit pairs near the
    # bar of what shares enough, as well as clear ones and none.
    texts = []
    for text, seed in drawn:
        rng = random.Random(seed)
        start = rng.randrange(len(text))
        copy = list(text[start : rng.randint(start, len(text))])
        for _ in range(rng.randint(0, len(copy) // 4)):
            copy[rng.randrange(len(copy))] = rng.choice("aeiouxyz ")
        texts.append(text + "\n\n" + "".join(copy))
    prepared = prepare_batch([Article(str(n), t) for n, t in enumerate(texts)], config)
    paired = [bool(unit_pairs(p, None, config)) for p in prepared]
    with patch.object(kernels, "FORCE", False):
        let_through = may_self_pair(prepared, config).tolist()
    assert all(maybe for maybe, found in zip(let_through, paired, strict=True) if found)
    # The loop compiled for large batches (detector.kernels) says the same.
    with patch.object(kernels, "FORCE", True):
        assert may_self_pair(prepared, config).tolist() == let_through


NOTICE_WORDS = [f.decode() for f in NOTICE_FRAGMENTS]


@st.composite
def texts_with_notice_wording(draw: st.DrawFn) -> str:
    """Words, notice fragments whole or cut short, in any case, glued or spaced."""
    pieces = draw(
        st.lists(
            st.one_of(
                st.sampled_from(WORDS),
                st.sampled_from(NOTICE_WORDS).map(lambda w: w.upper() if len(w) % 2 else w),
                st.sampled_from(NOTICE_WORDS).flatmap(
                    lambda w: st.integers(1, len(w)).map(lambda n: w[:n])
                ),
                st.text(max_size=5),
                st.sampled_from(["\u212a", "\u0130", "é", "œ", "-", "'"]),
            ),
            max_size=12,
        )
    )
    return draw(st.sampled_from(["", " ", "\n"])).join(pieces)


@SETTINGS
@given(st.lists(texts_with_notice_wording(), min_size=1, max_size=5))
def test_the_notice_shortcut_says_maybe_wherever_the_full_test_does(texts: list[str]) -> None:
    folded = [fold(t) for t in texts]
    lengths = np.array([len(f) for f in folded], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    stream = np.concatenate([f.chars for f in folded])
    maybe = may_hold_notices(
        [Article(str(n), t) for n, t in enumerate(texts)], shingle_hashes(stream, 5), offsets, 5
    )
    for text, said in zip(texts, maybe.tolist(), strict=True):
        assert said or not may_hold_notice(text)


def test_the_notice_shortcut_rules_out_plain_news() -> None:
    texts = ["Le Conseil fédéral a décidé hier de convoquer les chambres.", "Suivez-nous !"]
    prepared = prepare_batch([Article(str(n), t) for n, t in enumerate(texts)], DetectorConfig())
    folded = [p.folded for p in prepared]
    offsets = np.concatenate(([0], np.cumsum([len(f) for f in folded])))
    stream = np.concatenate([f.chars for f in folded])
    found = may_hold_notices([p.article for p in prepared], shingle_hashes(stream, 5), offsets, 5)
    assert found.tolist() == [False, True]
