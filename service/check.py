"""``redite check`` as a library call: read files, check them against each other."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import detector
from detector.config import DetectorConfig
from detector.corpus import Progress
from detector.matcher import mark_originals
from detector.model import ArticleReport
from service.matching import match
from service.readers import InputArticle, read_inputs
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
