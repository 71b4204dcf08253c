"""``redite check`` as a library call: read files, check them against each other."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import detector
from detector.config import DetectorConfig
from detector.corpus import Progress
from detector.explain import Explanation, explain
from detector.matcher import mark_originals, to_match
from detector.model import ArticleReport, Match
from detector.prepare import prepare_batch
from service.matching import match
from service.readers import InputArticle, InputError, read_inputs
from service.stores import open_store


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The input articles and, in the same order, what the engine found for each."""

    inputs: tuple[InputArticle, ...]
    reports: tuple[ArticleReport, ...]
    indexed: Mapping[str, str] = field(default_factory=dict)
    """Texts of the indexed articles matched (with ``--store``), by id."""

    def texts(self) -> Mapping[str, str]:
        """The text of every input article and matched indexed one by id, to quote from."""
        return {**self.indexed, **{item.article.id: item.article.text for item in self.inputs}}


def check_files(
    paths: Iterable[str],
    config: DetectorConfig | None = None,
    progress: Progress | None = None,
    store_url: str | None = None,
) -> CheckResult:
    """Check every article of ``paths`` for internal repetition and against the others.

    One call to :func:`detector.check_corpus` over all articles, so each article is
    compared with every other input. Raises :class:`service.readers.InputError` (a
    ``RediteError``) for unreadable inputs. With ``store_url``, each article is also
    matched against that index (without adding to it).

    >>> check_files(["story.txt", "wire.jsonl"]).reports[0].matches  # doctest: +SKIP
    (Match(id='wire-1', kind='republication', ...),)
    """
    inputs = tuple(read_inputs(paths))
    reports = detector.check_corpus([item.article for item in inputs], config, progress)
    if store_url is None:
        return CheckResult(inputs, tuple(reports))
    return asyncio.run(_against_store(inputs, reports, store_url, config or DetectorConfig()))


async def _against_store(
    inputs: tuple[InputArticle, ...],
    reports: list[ArticleReport],
    store_url: str,
    config: DetectorConfig,
) -> CheckResult:
    """Add each input's matches among the indexed articles (inputs win on shared ids)."""
    store = open_store(store_url, config)
    ids = {item.article.id for item in inputs}
    indexed: dict[str, str] = {}
    merged = []
    try:
        for item, report in zip(inputs, reports, strict=True):
            outcome = await match(store, item.article, config)
            extra = [m for m in outcome.report.matches if m.id not in ids]
            indexed.update({a.id: a.text for a in outcome.matched if a.id not in ids})
            found = mark_originals(item.article, [*report.matches, *extra])
            merged.append(replace(report, matches=found))
    finally:
        await store.close()
    return CheckResult(inputs, tuple(merged), indexed)


@dataclass(frozen=True, slots=True)
class PairExplained:
    """``redite explain``: two input articles and why the engine relates them or not."""

    a: InputArticle
    b: InputArticle
    explanation: Explanation
    match: Match | None
    """What ``a`` shares with ``b``, from ``a``'s side, when the pair is reported."""


def explain_files(
    paths: Iterable[str],
    config: DetectorConfig | None = None,
    pair: tuple[str, str] | None = None,
) -> PairExplained:
    """Read ``paths`` and explain the pair: the only two articles, or those ``pair``
    names by id. Raises :class:`service.readers.InputError` when that is not two.

    >>> explain_files(["story.txt"])  # doctest: +SKIP
    Traceback (most recent call last):
    ...
    service.readers.InputError: story.txt holds 1 article; explain needs two (...)
    """
    config = config or DetectorConfig()
    paths = list(paths)
    inputs = read_inputs(paths)
    if pair is None:
        if len(inputs) != 2:
            verb = "holds" if len(paths) == 1 else "hold"
            count = f"{len(inputs):,} article" + ("" if len(inputs) == 1 else "s")
            raise InputError(
                f"{', '.join(paths)} {verb} {count}; explain needs two "
                "(or --pair ID ID to name two of them)"
            )
        chosen = inputs
    else:
        by_id = {item.article.id: item for item in inputs}
        missing = [i for i in pair if i not in by_id]
        if missing:
            raise InputError(f"no article with id {missing[0]!r} in {', '.join(paths)}")
        if pair[0] == pair[1]:
            raise InputError(f"--pair names {pair[0]!r} twice; give two different ids")
        chosen = [by_id[pair[0]], by_id[pair[1]]]
    a, b = prepare_batch([item.article for item in chosen], config)
    why = explain(a, b, config)
    found = None
    if why.lost_at is None and why.comparison is not None:
        found = mark_originals(a.article, [to_match(a, b, why.comparison)])[0]
    return PairExplained(chosen[0], chosen[1], why, found)
