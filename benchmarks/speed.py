"""Speed of one process: redite's preparation against datasketch (and rensa) on the same articles.

redite's :func:`detector.prepare.prepare_batch` (normalise + segment + shingle + sign +
band keys) is timed against datasketch's ``MinHash`` fed exactly the shingles redite
signs: the UTF-32-LE bytes of every ``k``-character window of every unit of the folded
stream, one MinHash per unit, with XXH32 as the hash function and the same ``num_perm``
and seed, so both produce the same signatures (checked inside the benchmark). The
shingle byte strings are built outside the timed region, which favours datasketch.

Two references that do not do the same work are labelled as such: datasketch and the
Rust library rensa over the whitespace words of each article (one MinHash per article),
and rensa signing redite's precomputed shingle hashes (the sign stage alone).

The machine is shared and noisy, so every method is timed once per round, rounds are
interleaved, and the figures are medians over rounds; ratios are taken inside each
round before the median. Speed is measured here, never asserted in tests.

    python -m benchmarks.speed --out benchmarks/results/speed.json
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xxhash
from datasketch import MinHash

from benchmarks.data import IMPRESSO_ENV, impresso_path, load_passages
from benchmarks.machine import machine, write_result
from detector.config import DetectorConfig
from detector.fingerprint import band_keys, shingle_hashes, sign_ranges
from detector.model import Article
from detector.prepare import Prepared, prepare_batch
from detector.segment import paragraphs, units
from detector.text import fold_batch

TARGETS = {"datasketch_update": 10.0, "datasketch_update_batch": 2.0}
"""The issue's speed targets: redite's articles/s over each datasketch method's."""
STAGES = ("fold", "shingle_hashes", "paragraphs", "units", "sign", "band_keys")
_GUARD_UNITS = 6


# --------------------------------------------------------------------------- articles


def load_articles(
    count: int, words: int, data: Path | None, seed: int = 0
) -> tuple[list[Article], str]:
    """``count`` articles of about ``words`` words, and a label saying where they came from.

    From the impresso passages when ``data`` is a readable file (passages in a fixed
    shuffled order, joined by blank lines until an article has ``words`` words), else
    from the synthetic pseudo-French generator.

    >>> articles, source = load_articles(2, 50, None)
    >>> len(articles), source
    (2, 'synthetic pseudo-French')
    """
    if data is not None and data.is_file():
        passages = [row.text for row in load_passages(data)]
        return _compose(passages, count, words, seed), f"impresso passages ({data.name})"
    return synthetic_articles(count, words, seed), "synthetic pseudo-French"


def _compose(passages: list[str], count: int, words: int, seed: int) -> list[Article]:
    order = list(range(len(passages)))
    rng = random.Random(seed)
    rng.shuffle(order)
    articles: list[Article] = []
    parts: list[str] = []
    have = 0
    position = 0
    while len(articles) < count:
        if position == len(order):  # more articles asked than the passages fill: go round
            rng.shuffle(order)
            position = 0
        text = passages[order[position]].strip()
        position += 1
        if not text:
            continue
        lines = []
        for line in text.splitlines():  # stop inside the passage that reaches the count
            lines.append(line)
            have += len(line.split())
            if have >= words:
                break
        parts.append("\n".join(lines))
        if have >= words:
            articles.append(Article(f"speed-{len(articles):05d}", "\n\n".join(parts)))
            parts, have = [], 0
    return articles


# Pseudo-French written for this benchmark: clearly not news, but accents, apostrophes
# and sentence shapes like the real thing.
_VOCABULARY_TEXT = """
le la les un une des du de au aux en dans sur sous avec pour par sans chez entre et ou
mais donc car que qui dont où ne pas plus très aussi déjà encore toujours hier demain
conseil fédéral député ministre préfet commune canton ville village gare train récolte
vigne blé lait fromage fabrique ouvrier grève salaire impôt budget banque bourse emprunt
tribunal juge procès avocat témoin prison police incendie orage neige grêle rivière lac
montagne glacier route pont tunnel armée régiment officier frontière traité ambassadeur
conférence congrès exposition concert théâtre musée école collège professeur étudiant
hôpital médecin épidémie société fête banquet discours cortège drapeau fanfare concours
président secrétaire séance rapport projet loi décret votation électeur scrutin majorité
journal dépêche télégramme nouvelle enquête accident victime funérailles hommage église
navire vapeur passager capitaine tempête naufrage marché foire bétail cheval commerce
industrie usine électricité tramway bicyclette téléphone lumière jardin quai rue place
maison hiver printemps été automne matin soir semaine année siècle élu réuni annoncé
décidé arrivé parti ouvert fermé voté adopté rejeté nommé reçu célébré présenté
grand petit nouveau ancien public général national cantonal municipal important
"""
_VOCABULARY = _VOCABULARY_TEXT.split()
_ELIDED = ("l'", "d'", "qu'", "n'", "s'")


def synthetic_articles(count: int, words: int, seed: int = 0) -> list[Article]:
    """``count`` pseudo-French articles of about ``words`` words, in paragraphs.

    >>> a = synthetic_articles(1, 120)[0]
    >>> 120 <= len(a.text.split()) < 120 + 22
    True
    """
    rng = random.Random(seed)
    articles = []
    for number in range(count):
        paras: list[str] = []
        have = 0
        while have < words:
            sentences = []
            for _ in range(rng.randint(2, 5)):
                tokens = [rng.choice(_VOCABULARY) for _ in range(rng.randint(6, 22))]
                for i in range(1, len(tokens)):
                    if tokens[i][0] in "aeiouéh" and rng.random() < 0.3:
                        tokens[i] = rng.choice(_ELIDED) + tokens[i]
                    elif rng.random() < 0.05:
                        tokens[i - 1] += ","
                have += len(tokens)
                sentences.append(" ".join(tokens).capitalize() + ".")
                if have >= words:
                    break
            paras.append(" ".join(sentences))
        articles.append(Article(f"speed-{number:05d}", "\n\n".join(paras)))
    return articles


# --------------------------------------------------------------------------- workload


@dataclass(frozen=True)
class Workload:
    """The articles and every input the compared methods need, built before timing."""

    articles: list[Article]
    config: DetectorConfig
    prepared: list[Prepared]
    unit_shingles: list[list[list[bytes]]]
    """Per article, per unit: the UTF-32-LE bytes of each shingle redite signs."""
    words: list[list[bytes]]
    """Per article: its whitespace words, UTF-8."""
    text_bytes: list[int]
    """Per article: UTF-8 bytes of the original text."""

    def shingles(self, article: int) -> int:
        return sum(len(unit) for unit in self.unit_shingles[article])


def build_workload(articles: list[Article], config: DetectorConfig) -> Workload:
    """Prepare the articles once and extract the shingles and words the baselines eat."""
    prepared = prepare_batch(articles, config)
    k = config.shingle_size
    unit_shingles = []
    for p in prepared:
        text = p.folded.text
        unit_shingles.append(
            [
                [text[i : i + k].encode("utf-32-le") for i in range(start, end - k + 1)]
                for start, end in p.units.tolist()
            ]
        )
    return Workload(
        articles=articles,
        config=config,
        prepared=prepared,
        unit_shingles=unit_shingles,
        words=[[w.encode("utf-8") for w in a.text.split()] for a in articles],
        text_bytes=[len(a.text.encode("utf-8")) for a in articles],
    )


def check_agreement(work: Workload) -> int:
    """Check datasketch's signatures equal redite's on a few units; returns how many.

    Raises RuntimeError naming the unit when a signature differs: the speed figures
    would then compare different work.
    """
    config = work.config
    picked: list[tuple[int, int]] = []
    for a, units_ in enumerate(work.unit_shingles):
        picked.extend((a, u) for u, shingles in enumerate(units_) if shingles)
        if len(picked) >= _GUARD_UNITS:
            break
    last = len(work.unit_shingles) - 1
    if last >= 0 and work.unit_shingles[last]:
        picked.append((last, len(work.unit_shingles[last]) - 1))
    for a, u in picked:
        expected = work.prepared[a].signatures[u]
        one = MinHash(config.num_perm, config.seed, hashfunc=xxhash.xxh32_intdigest)
        for shingle in work.unit_shingles[a][u]:
            one.update(shingle)
        many = MinHash(config.num_perm, config.seed, hashfunc=xxhash.xxh32_intdigest)
        many.update_batch(work.unit_shingles[a][u])
        shared = MinHash(
            config.num_perm,
            config.seed,
            hashfunc=xxhash.xxh32_intdigest,
            permutations=one.permutations,
            scheme="affine32",
        )
        shared.update_batch(work.unit_shingles[a][u])
        for name, m in (("update", one), ("update_batch", many), ("shared", shared)):
            if not np.array_equal(np.asarray(m.hashvalues, dtype=np.uint64), expected):
                raise RuntimeError(
                    f"datasketch {name} and redite disagree on unit {u} of article "
                    f"{work.articles[a].id}: the benchmark would not compare the same work"
                )
    return len(picked)


# --------------------------------------------------------------------------- methods


@dataclass
class Method:
    """One timed way of fingerprinting (a subset of) the articles."""

    name: str
    label: str
    same_work: bool
    articles: int
    """How many of the articles one run processes (rates are per article, so scale)."""
    text_bytes: int
    shingles: int
    """Shingles (or word tokens) one run hashes."""
    run: Callable[[], object] = field(repr=False)
    seconds: list[float] = field(default_factory=list)


def _redite(work: Workload, batch: int, count: int) -> Callable[[], object]:
    articles = work.articles[:count]

    def run() -> object:
        for lo in range(0, len(articles), batch):
            prepare_batch(articles[lo : lo + batch], work.config)
        return None

    return run


def _datasketch_update(work: Workload, count: int) -> Callable[[], object]:
    num_perm, seed = work.config.num_perm, work.config.seed
    todo = work.unit_shingles[:count]

    def run() -> object:
        for article in todo:
            for unit in article:
                m = MinHash(num_perm, seed, hashfunc=xxhash.xxh32_intdigest)
                for shingle in unit:
                    m.update(shingle)
        return None

    return run


def _datasketch_batch(
    groups: list[list[list[bytes]]], num_perm: int, seed: int, shared: bool
) -> Callable[[], object]:
    permutations = MinHash(num_perm, seed).permutations

    def run() -> object:
        for article in groups:
            for unit in article:
                if shared:
                    m = MinHash(
                        num_perm,
                        seed,
                        hashfunc=xxhash.xxh32_intdigest,
                        permutations=permutations,
                        scheme="affine32",
                    )
                else:
                    m = MinHash(num_perm, seed, hashfunc=xxhash.xxh32_intdigest)
                m.update_batch(unit)
        return None

    return run


def _rensa_words(rensa: Any, work: Workload) -> Callable[[], object]:
    num_perm, seed = work.config.num_perm, work.config.seed
    word_lists = [a.text.split() for a in work.articles]

    def run() -> object:
        for tokens in word_lists:
            m = rensa.RMinHash(num_perm, seed)
            m.update(tokens)
            m.digest()
        return None

    return run


def _rensa_sign(rensa: Any, work: Workload) -> Callable[[], object]:
    k = work.config.shingle_size
    pieces = []
    sizes = []
    for p in work.prepared:
        for start, end in p.units.tolist():
            pieces.append(p.hashes[start : max(end - k + 1, start)])
            sizes.append(max(end - k + 1 - start, 0))
    flat = np.concatenate(pieces).astype(np.uint64) if pieces else np.zeros(0, np.uint64)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.uint64)
    num_perm, seed = work.config.num_perm, work.config.seed

    def run() -> object:
        return rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm, seed)

    return run


def _load_rensa() -> tuple[Any, str | None]:
    # One thread, like every other method here: rensa parallelises with rayon.
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    try:
        rensa = importlib.import_module("rensa")
    except ImportError as error:
        return None, f"rensa is not installed ({error}); pip install 'redite[bench]'"
    rensa.RMinHash(16, 1).update(["warm", "up"])  # its first call calibrates a fast path
    return rensa, None


def stage_times(
    articles: Sequence[Article], config: DetectorConfig, batch: int
) -> dict[str, float]:
    """Seconds spent in each engine function while preparing ``articles`` in batches,
    following the steps of :func:`detector.prepare.prepare_batch`."""
    k = config.shingle_size
    bands, rows = config.bands_rows()
    spent = dict.fromkeys(STAGES, 0.0)
    for lo in range(0, len(articles), batch):
        chunk = articles[lo : lo + batch]
        t0 = time.perf_counter()
        folded = fold_batch([a.text for a in chunk])
        t1 = time.perf_counter()
        lengths = np.array([len(f) for f in folded], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        all_hashes = shingle_hashes(np.concatenate([f.chars for f in folded]), k)
        t2 = time.perf_counter()
        paras = [paragraphs(a.text) for a in chunk]
        t3 = time.perf_counter()
        unit_ranges = [
            units(a.text, f, all_hashes[int(o) : int(o) + max(len(f) - k + 1, 0)], ps, config)
            for a, f, o, ps in zip(chunk, folded, offsets[:-1], paras, strict=True)
        ]
        t4 = time.perf_counter()
        spans = np.concatenate([u + o for u, o in zip(unit_ranges, offsets[:-1], strict=True)])
        starts = spans[:, 0]
        ends = np.maximum(spans[:, 1] - k + 1, starts)
        signatures = sign_ranges(all_hashes, starts, ends, config.num_perm, config.seed)
        t5 = time.perf_counter()
        band_keys(signatures, bands, rows)
        t6 = time.perf_counter()
        marks = (t0, t1, t2, t3, t4, t5, t6)
        for stage, before, after in zip(STAGES, marks[:-1], marks[1:], strict=True):
            spent[stage] += after - before
    return spent


# --------------------------------------------------------------------------- measuring


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _machine() -> dict[str, object]:
    found: dict[str, object] = {**machine()}
    found["usable_cores"] = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    )
    return found


def _methods(work: Workload, args: argparse.Namespace, rensa: Any) -> list[Method]:
    n = len(work.articles)
    num_perm, seed = work.config.num_perm, work.config.seed
    tokens = sum(len(w) for w in work.words)

    def first(count: int) -> tuple[int, int, int]:
        count = min(count, n)
        return count, sum(work.text_bytes[:count]), sum(map(work.shingles, range(count)))

    everything = first(n)
    by_words = (n, everything[1], tokens)
    word_groups = [[w] for w in work.words]
    methods = [
        Method("redite", f"redite prepare_batch, {args.batch} per call", True, *everything,
               run=_redite(work, args.batch, n)),
        Method("redite_batch1", "redite prepare_batch, 1 per call", True,
               *first(args.single_articles), run=_redite(work, 1, args.single_articles)),
        Method("datasketch_update", "datasketch MinHash.update per shingle", True,
               *first(args.update_articles), run=_datasketch_update(work, args.update_articles)),
        Method("datasketch_update_batch", "datasketch MinHash.update_batch per unit", True,
               *first(args.batch_articles),
               run=_datasketch_batch(work.unit_shingles[: args.batch_articles], num_perm, seed,
                                     False)),
        Method("datasketch_update_batch_shared",
               "datasketch update_batch per unit, permutations shared (its best case)", True,
               *everything, run=_datasketch_batch(work.unit_shingles, num_perm, seed, True)),
        Method("datasketch_words", "reference: datasketch update_batch, words, 1 per article",
               False, *by_words, run=_datasketch_batch(word_groups, num_perm, seed, False)),
    ]  # fmt: skip
    if rensa is not None:
        methods += [
            Method("rensa_words", "reference: rensa RMinHash, words, 1 per article", False,
                   *by_words, run=_rensa_words(rensa, work)),
            Method("rensa_sign", "reference: rensa signing redite's shingle hashes, per unit "
                   "(sign stage only)", False, *everything, run=_rensa_sign(rensa, work)),
        ]  # fmt: skip
    return methods


def measure(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, object]:
    """Run the whole benchmark and return the result document (see ``--help``)."""
    config = DetectorConfig()
    data = None if args.synthetic else Path(args.data)
    articles, source = load_articles(args.articles, args.words, data, args.seed)
    n = len(articles)
    print(f"speed: {n} articles from {source}; preparing the inputs", file=sys.stderr)
    work = build_workload(articles, config)
    guarded = check_agreement(work)
    rensa, rensa_missing = _load_rensa()
    methods = _methods(work, args, rensa)
    # No separate warm-up: build_workload and check_agreement already ran redite and
    # datasketch (fold table, permutation caches), and _load_rensa ran rensa once.
    stage_rounds: list[dict[str, float]] = []
    for round_ in range(args.rounds):
        # Rotate the order so no method always runs first (or right after the slowest).
        shift = round_ % len(methods)
        for method in methods[shift:] + methods[:shift]:
            started = time.perf_counter()
            method.run()
            method.seconds.append(time.perf_counter() - started)
        stage_rounds.append(stage_times(articles, config, args.batch))
        print(f"speed: round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    redite = methods[0]
    ratios: dict[str, object] = {}
    for method in methods[1:]:
        per_round = [
            (redite.articles / r) / (method.articles / s)
            for r, s in zip(redite.seconds, method.seconds, strict=True)
        ]
        ratio: dict[str, object] = {**_summary(per_round), "same_work": method.same_work}
        if method.name in TARGETS:
            target = TARGETS[method.name]
            ratio |= {"target": target, "met": statistics.median(per_round) >= target}
        ratios[method.name] = ratio

    prepared = work.prepared
    return {
        "benchmark": "speed",
        "command": "python -m benchmarks.speed " + " ".join(argv),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": _machine(),
        "source": source,
        "articles": n,
        "rounds": args.rounds,
        "batch": args.batch,
        "config": {
            "shingle_size": config.shingle_size,
            "num_perm": config.num_perm,
            "seed": config.seed,
            "bands_rows": list(config.bands_rows()),
        },
        "workload": {
            "words_per_article": sum(len(w) for w in work.words) / n,
            "utf8_bytes_per_article": sum(work.text_bytes) / n,
            "folded_chars_per_article": sum(len(p.folded) for p in prepared) / n,
            "units_per_article": sum(int(p.units.shape[0]) for p in prepared) / n,
            "shingles_per_article": sum(map(work.shingles, range(n))) / n,
        },
        "signatures_checked": guarded,
        "rensa": "available" if rensa is not None else rensa_missing,
        "methods": {m.name: _method_result(m) for m in methods},
        "ratios": ratios,
        "stages": _breakdown(stage_rounds, redite.seconds, n),
        "notes": [
            "The shingle byte strings datasketch hashes are built before timing (favours "
            "datasketch); its hash function is xxhash.xxh32_intdigest passed directly, "
            "without a lambda (also favours datasketch). datasketch's signatures were "
            f"checked equal to redite's on {guarded} units.",
            f"datasketch update is timed on the first {min(args.update_articles, n)} "
            f"articles, its update_batch on plain MinHash objects on the first "
            f"{min(args.batch_articles, n)}, redite at 1 per call on the first "
            f"{min(args.single_articles, n)}; rates are per article, so they scale.",
            "Ratios are redite's articles/s over the row's, taken within each round. The "
            "targets (10x update, 2x update_batch) are against plain MinHash(num_perm, seed, "
            "hashfunc) objects, one per unit; the shared-permutations row skips the "
            "permutation set-up datasketch repeats for every MinHash.",
            "Reference rows do not do redite's work: word tokens, one MinHash per article; "
            "rensa_sign is only the sign stage, over redite's precomputed shingle hashes.",
            "redite folds, hashes and signs with loops compiled by numba (detector/kernels/) "
            "in every timed call: the warm-up (the agreement check) loaded them, so their "
            "start-up (about 0.8 s a process) is not in the rates. At 1 per call too.",
            "Stage shares are of the sum of the stages, each timed separately; 'unaccounted' "
            "is prepare_batch's own time minus that sum (per round, median), and noise.",
        ],
    }


def _method_result(method: Method) -> dict[str, object]:
    return {
        "label": method.label,
        "same_work": method.same_work,
        "articles_timed": method.articles,
        "seconds": method.seconds,
        "articles_per_s": _summary([method.articles / s for s in method.seconds]),
        "mb_per_s": _summary([method.text_bytes / 1e6 / s for s in method.seconds]),
        "shingles_per_s": _summary([method.shingles / s for s in method.seconds]),
    }


def _breakdown(
    rounds: list[dict[str, float]], prepare_seconds: list[float], n: int
) -> dict[str, object]:
    medians = {stage: statistics.median(r[stage] for r in rounds) for stage in STAGES}
    total = sum(medians.values())
    result: dict[str, object] = {
        stage: {"seconds_per_1000_articles": v * 1000 / n, "share": v / total}
        for stage, v in medians.items()
    }
    rest = statistics.median(
        p - sum(r.values()) for p, r in zip(prepare_seconds, rounds, strict=True)
    )
    result["unaccounted"] = {"seconds_per_1000_articles": rest * 1000 / n, "share": None}
    return result


# --------------------------------------------------------------------------- rendering


def _table(result: dict[str, object], key: str) -> dict[str, Any]:
    value = result.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"speed result has no {key!r} table: rerun python -m benchmarks.speed")
    return value


def _x(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2g}x"


def render_markdown(result: dict[str, object]) -> str:
    """The BENCHMARKS.md section for a result of :func:`measure`."""
    methods = _table(result, "methods")
    ratios = _table(result, "ratios")
    stages = _table(result, "stages")
    machine = _table(result, "machine")
    work = _table(result, "workload")
    config = _table(result, "config")
    lines = [
        "## Speed (one process)",
        "",
        f"{result['articles']} articles from {result['source']}, "
        f"{work['words_per_article']:.0f} words ({work['utf8_bytes_per_article'] / 1000:.1f} KB, "
        f"{work['units_per_article']:.1f} units, {work['shingles_per_article']:.0f} shingles) "
        f"each; k={config['shingle_size']} character shingles, {config['num_perm']} permutations. "
        f"Medians of {result['rounds']} interleaved rounds, [min-max] in brackets; "
        "ratios are redite's articles/s over the row's, within each round.",
        "",
        "| method | same work | articles/s | MB/s | shingles/s | redite / this |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, m in methods.items():
        rate, mb, sh = m["articles_per_s"], m["mb_per_s"], m["shingles_per_s"]
        ratio = ratios.get(name)
        cell = (
            ""
            if ratio is None
            else f"{_x(ratio['median'])} [{_x(ratio['min'])}-{_x(ratio['max'])}]"
        )
        if ratio is not None and "target" in ratio:
            cell += f" (target {ratio['target']:g}x: {'met' if ratio['met'] else 'missed'})"
        lines.append(
            f"| {m['label']} | {'yes' if m['same_work'] else 'no'} "
            f"| {rate['median']:,.0f} [{rate['min']:,.0f}-{rate['max']:,.0f}] "
            f"| {mb['median']:.2f} | {sh['median'] / 1e6:.2f} M | {cell} |"
        )
    lines += [
        "",
        "Where redite's time goes (prepare_batch, each engine function timed on its own):",
        "",
        "| stage | s per 1,000 articles | share |",
        "| --- | ---: | ---: |",
    ]
    for stage, spent in stages.items():
        share = "" if spent["share"] is None else f"{spent['share']:.0%}"
        lines.append(f"| {stage} | {spent['seconds_per_1000_articles']:.3f} | {share} |")
    notes = result.get("notes")
    if isinstance(notes, list):
        lines += ["", *(f"- {note}" for note in notes)]
    versions = machine.get("versions") or {}
    lines += [
        "",
        f"Command: `{result['command']}`",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items() if v)
        + f"; rensa: {result['rensa']}.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the module docstring's paragraphs and shows every default."""


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line (``--help`` shows it)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.speed",
        description=__doc__,
        epilog="Example: python -m benchmarks.speed --out benchmarks/results/speed.json "
        "--articles 2000 --words 400 --rounds 5",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "results" / "speed.json",
        help="where to write the JSON result (default: benchmarks/results/speed.json)",
    )
    parser.add_argument("--articles", type=_positive, default=2000, help="articles to fingerprint")
    parser.add_argument("--words", type=_positive, default=400, help="words per article (about)")
    parser.add_argument("--rounds", type=_positive, default=5, help="interleaved timing rounds")
    parser.add_argument(
        "--batch", type=_positive, default=256, help="articles per prepare_batch call"
    )
    parser.add_argument(
        "--update-articles",
        type=_positive,
        default=100,
        help="articles timed with datasketch's per-shingle update (it is slow); rates scale",
    )
    parser.add_argument(
        "--batch-articles",
        type=_positive,
        default=500,
        help="articles timed with datasketch's update_batch on plain MinHash objects",
    )
    parser.add_argument(
        "--single-articles",
        type=_positive,
        default=500,
        help="articles timed with redite at one article per call",
    )
    parser.add_argument(
        "--data",
        default=str(impresso_path()),
        help=f"impresso passages.jsonl.gz to build articles from (or ${IMPRESSO_ENV}); "
        "synthetic text when the file is missing",
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="use synthetic text even if --data exists"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the article order / generator")
    return parser.parse_args(argv)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(arguments)
    result = measure(args, arguments)
    write_result(result, args.out)
    print(render_markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
