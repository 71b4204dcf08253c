"""``redite check`` as a library call: read files, check them against each other."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import detector
from detector.config import DetectorConfig
from detector.corpus import Progress
from detector.model import ArticleReport
from service.readers import InputArticle, read_inputs


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The input articles and, in the same order, what the engine found for each."""

    inputs: tuple[InputArticle, ...]
    reports: tuple[ArticleReport, ...]

    def texts(self) -> Mapping[str, str]:
        """The text of every input article by id, to quote passages from."""
        return {item.article.id: item.article.text for item in self.inputs}


def check_files(
    paths: Iterable[str],
    config: DetectorConfig | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Check every article of ``paths`` for internal repetition and against the others.

    One call to :func:`detector.check_corpus` over all articles, so each article is
    compared with every other input. Raises :class:`service.readers.InputError` (a
    ``RediteError``) for unreadable inputs.

    >>> check_files(["story.txt", "wire.jsonl"]).reports[0].matches  # doctest: +SKIP
    (Match(id='wire-1', kind='republication', ...),)
    """
    inputs = tuple(read_inputs(paths))
    reports = detector.check_corpus([item.article for item in inputs], config, progress)
    return CheckResult(inputs, tuple(reports))
