"""Turn ``redite check`` results into text: a readable report, or JSON lines.

The readable report quotes the passages it talks about. Quotes have their whitespace
collapsed, control characters shown as ``�``, and are shortened in the middle with an
ellipsis when long; spans are printed as ``[start:end]``, Python string offsets into the
text as read (for HTML, into the extracted text).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from detector.config import DetectorConfig
from detector.model import ArticleReport, InternalRepeats, Match, Span
from service.check import CheckResult, PairExplained
from service.readers import InputArticle

QUOTE_CHARS = 120
"""Longest quote printed; longer passages keep their start and end around an ellipsis."""
MAX_SHOWN = 5
"""Repeats and passages listed per article or match; the rest are counted (--json has all)."""


def json_lines(result: CheckResult) -> Iterator[str]:
    """One JSON object per input article, in input order (DESIGN.md's fields).

    >>> from detector.model import Article, ArticleReport
    >>> from service.readers import InputArticle, Location
    >>> item = InputArticle(Article("a", "text"), Location("a.txt"))
    >>> list(json_lines(CheckResult((item,), (ArticleReport("a"),))))
    ['{"id": "a", "internal_repeats": {"fraction": 0.0, "spans": []}, "matches": []}']
    """
    for report in result.reports:
        yield json.dumps(report.to_json())


def text_report(result: CheckResult) -> Iterator[str]:
    """The readable report, line by line: each article's repetition and matches.

    >>> from detector.model import Article, ArticleReport
    >>> from service.readers import InputArticle, Location
    >>> item = InputArticle(Article("a.txt", ""), Location("a.txt"))
    >>> print("\\n".join(text_report(CheckResult((item,), (ArticleReport("a.txt"),)))))
    a.txt: no text
    <BLANKLINE>
    1 article checked: 0 with matches, 0 with internal repetition.
    """
    texts = result.texts()
    for item, report in zip(result.inputs, result.reports, strict=True):
        yield from _article_section(item, report, texts)
        yield ""
    yield _summary(result.reports)


def explain_json(result: PairExplained) -> str:
    """``redite explain --json``: one object with every step and the match, if any."""
    why = result.explanation
    return json.dumps(
        {
            "a": result.a.article.id,
            "b": result.b.article.id,
            "reported": result.match is not None,
            **why.to_json(),
            "match": None if result.match is None else result.match.to_json(),
        }
    )


def explain_report(result: PairExplained, config: DetectorConfig) -> Iterator[str]:
    """``redite explain``, readable: the verdict, each step, the passages shared."""
    why = result.explanation
    a, b = result.a.article, result.b.article
    names = f"{_name(a.id)} and {_name(b.id)}"
    if result.match is not None:
        yield f"{names}: reported as {result.match.kind}, score {result.match.score:.2f}"
    else:
        yield f"{names}: not reported (stopped at {why.lost_at})"
    yield (
        f"  the two bodies share {_percent(why.shared_shingles)} of the smaller one's "
        f"{config.shingle_size}-letter shingles"
    )
    width = max(len(step.name) for step in why.steps)
    for step in why.steps:
        yield f"  {'pass' if step.passed else 'FAIL'}  {step.name:<{width}}  {step.found}"
    if result.match is not None:
        yield from _match_lines(1, a.text, result.match, b.text)
    yield (
        "  Looked at as a pair alone. In a corpus or an index, text that more than "
        f"{config.common_df} articles carry counts only in passages of "
        f"{config.common_passage_chars} aligned letters or more with a run of "
        f"{config.common_run_chars}, and a query verifies its "
        f"{config.max_candidates} best candidates."
    )


def quote(text: str, span: Span, limit: int = QUOTE_CHARS) -> str:
    """The text at ``span``, on one line, in double quotes, shortened when long.

    >>> quote("one  two\\nthree", (0, 14))
    '"one two three"'
    >>> quote("The council voted on Tuesday to approve the budget", (0, 50), limit=30)
    '"The council … the budget"'
    """
    start, end = span
    # Only the ends of a long passage can be shown: flatten those, not megabytes.
    if end - start > 4 * limit:
        head, tail = _flat(text[start : start + 2 * limit]), _flat(text[end - 2 * limit : end])
    else:
        head = tail = _flat(text[start:end])
        if len(head) <= limit:
            return f'"{head}"'
    keep = limit - 3
    return f'"{_cut_after(head, (keep + 1) // 2)} … {_cut_before(tail, keep // 2)}"'


def _cut_after(text: str, chars: int) -> str:
    """The first ``chars`` characters of ``text``, ending at a word boundary if one is near."""
    cut = text[:chars]
    space = cut.rfind(" ", chars // 2)
    return cut[:space] if space > 0 and text[chars : chars + 1] != " " else cut.rstrip()


def _cut_before(text: str, chars: int) -> str:
    """The last ``chars`` characters of ``text``, starting at a word boundary if one is near."""
    cut = text[len(text) - chars :]
    space = cut.find(" ", 0, chars // 2)
    before = text[len(text) - chars - 1 : len(text) - chars]
    return cut[space + 1 :] if space >= 0 and before != " " else cut.lstrip()


def _article_section(
    item: InputArticle, report: ArticleReport, texts: Mapping[str, str]
) -> Iterator[str]:
    article = item.article
    name = _name(article.id)
    if not article.text.strip():
        yield f"{name}: no text"
        return
    yield f"{name} ({len(article.text):,} characters)"
    details = _details(article.source, article.published_at, original=False)
    if details:
        yield f"  {details}"
    yield from _repeats_lines(article.text, report.internal_repeats)
    if not report.matches:
        yield "  Matches: none"
        return
    yield f"  Matches: {len(report.matches)}"
    for number, match in enumerate(report.matches, start=1):
        yield from _match_lines(number, article.text, match, texts.get(match.id))


def _repeats_lines(text: str, repeats: InternalRepeats) -> Iterator[str]:
    if not repeats.spans:
        yield "  Internal repetition: none"
        return
    count = len(repeats.spans)
    yield (
        f"  Internal repetition: {_percent(repeats.fraction)} of the text repeats earlier "
        f"text ({counted(count, 'passage')})"
    )
    for span in repeats.spans[:MAX_SHOWN]:
        yield f"    {_span(span.repeat)} repeats {_span(span.first)}: {quote(text, span.repeat)}"
    if count > MAX_SHOWN:
        yield f"    ... and {count - MAX_SHOWN} more (--json lists them all)"


def _match_lines(number: int, text: str, match: Match, other_text: str | None) -> Iterator[str]:
    other = _name(match.id)
    yield f"  {number}. {other}: {match.kind}, score {match.score:.2f}"
    yield (
        f"     covers {_percent(match.query_coverage)} of this article "
        f"and {_percent(match.match_coverage)} of {other}"
    )
    details = _details(match.source, match.published_at, original=match.original)
    if details:
        yield f"     {other}: {details}"
    count = len(match.passages)
    for index, passage in enumerate(match.passages[:MAX_SHOWN], start=1):
        yield f"     passage {index} of {count}, similarity {passage.similarity:.2f}"
        yield f"       here  {_span(passage.query_span)} {quote(text, passage.query_span)}"
        there = "" if other_text is None else " " + quote(other_text, passage.match_span)
        yield f"       there {_span(passage.match_span)}{there}"
    if count > MAX_SHOWN:
        yield f"     ... and {count - MAX_SHOWN} more passages (--json lists them all)"


def _details(source: str | None, published_at: datetime | None, *, original: bool) -> str:
    parts = []
    if source:
        parts.append(f"source {_name(source)}")
    if published_at is not None:
        parts.append(f"published {_iso(published_at)}")
    if original:
        parts.append("the original")
    return ", ".join(parts)


def _summary(reports: Sequence[ArticleReport]) -> str:
    count = len(reports)
    matched = sum(1 for r in reports if r.matches)
    repeated = sum(1 for r in reports if r.internal_repeats.spans)
    return (
        f"{counted(count, 'article')} checked: {matched:,} with matches, "
        f"{repeated:,} with internal repetition."
    )


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _span(span: Span) -> str:
    return f"[{span[0]}:{span[1]}]"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.1f}%"


def counted(count: int, word: str) -> str:
    """``count`` and ``word``, plural unless the count is one.

    >>> counted(1, "article"), counted(1200, "copy")
    ('1 article', '1,200 copies')
    """
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{count:,} {word if count == 1 else plural}"


def _name(text: str, limit: int = 80) -> str:
    flat = _flat(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _flat(text: str) -> str:
    return " ".join(_printable(text).split())


def _printable(text: str) -> str:
    # Whitespace is kept for the caller to collapse; other controls (NUL, escapes that
    # would drive the terminal) are shown as a replacement character.
    return "".join(
        "\ufffd" if unicodedata.category(c) == "Cc" and not c.isspace() else c for c in text
    )
