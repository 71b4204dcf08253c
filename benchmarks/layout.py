"""Laying a draft out as a page: furniture, title, byline, body, repeats.

A :class:`Page` remembers where each body paragraph landed in the text, so the truth
measured on folded text can be turned into spans of the page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from benchmarks import sites
from benchmarks.compose import Draft, Overlap
from benchmarks.edits import Layout, lay_out, separator
from benchmarks.overlap import AlnumCounter, Span, folded, to_text_span
from benchmarks.truth import TruthPassage, TruthRepeat
from detector.model import Article


@dataclass(frozen=True, slots=True)
class Page:
    """A rendered article and where its body paragraphs are."""

    article: Article
    piece_spans: tuple[Span, ...]
    """Span of each draft piece in the text (its first copy when the body is doubled)."""
    body_chars: int
    """Letters and digits of the body (every copy), furniture excluded."""
    repeat: TruthRepeat | None = None

    def text_span(self, piece: int, folded_span: Span) -> Span:
        """A span of folded characters of one piece as a span of the page text."""
        start, end = self.piece_spans[piece]
        offsets = folded(self.article.text[start:end])[1]
        local = to_text_span(offsets, folded_span)
        return start + local[0], start + local[1]

    def passages_with(self, other: Page, found: Overlap) -> tuple[TruthPassage, ...]:
        """The shared passages of ``found`` as spans of this page and of ``other``."""
        return tuple(
            TruthPassage(self.text_span(s.a_piece, s.a_span), other.text_span(s.b_piece, s.b_span))
            for s in found.shared
        )


class _Writer:
    def __init__(self, layout: Layout) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.sep = separator(layout)

    def add(self, block: str) -> Span:
        if self.parts:
            self.parts.append(self.sep)
            self.length += len(self.sep)
        start = self.length
        self.parts.append(block)
        self.length += len(block)
        return start, self.length

    def text(self) -> str:
        return "".join(self.parts)


def render(draft: Draft, article_id: str, rng: random.Random) -> Page:
    """Lay ``draft`` out on its site's template."""
    layout: Layout = draft.layout  # type: ignore[assignment]
    writer = _Writer(layout)
    when = draft.published
    for line in sites.header(draft.site, when, rng):
        writer.add(line)
    title = sites.title(rng)
    by = sites.byline(draft.site, when, rng)
    bodies = [lay_out(p.text, layout, draft.dehyphenate) for p in draft.pieces]
    for raw, laid in zip(draft.pieces, bodies, strict=True):
        if folded(raw.text)[0] != folded(laid)[0]:
            raise RuntimeError(f"layout changed the letters of a paragraph of {article_id}")
    copies = 2 if draft.repeat == "doubled_body" else 1
    spans: list[list[Span]] = []
    for _ in range(copies):
        writer.add(title)
        writer.add(by)
        spans.append([writer.add(body) for body in bodies])
    teaser: tuple[Span, Span] | None = None
    if draft.repeat == "teaser":
        lead = _teaser(bodies[0], rng)
        span = writer.add(lead + " ...")
        teaser = (spans[0][0][0], spans[0][0][0] + len(lead)), (span[0], span[0] + len(lead))
    for line in sites.footer(draft.site, when, rng):
        writer.add(line)
    text = writer.text()
    counter = AlnumCounter(text)
    body_spans = [s for copy in spans for s in copy]
    if teaser is not None:
        body_spans.append(teaser[1])
    body_chars = counter.count(body_spans)
    repeat = None
    if copies == 2:
        first = (spans[0][0][0], spans[0][-1][1])
        again = (spans[1][0][0], spans[1][-1][1])
        repeat = TruthRepeat(
            article_id, "doubled_body", counter.count([again]) / body_chars, ((first, again),)
        )
    elif teaser is not None:
        repeat = TruthRepeat(
            article_id, "teaser", counter.count([teaser[1]]) / body_chars, (teaser,)
        )
    article = Article(
        id=article_id,
        text=text,
        source=draft.site.domain,
        url=f"https://{draft.site.domain}/articles/{article_id}",
        published_at=when,
        title=title,
    )
    return Page(article, tuple(spans[0]), body_chars, repeat)


def _teaser(lead: str, rng: random.Random) -> str:
    """The start of the lead paragraph, cut at a word end, as a teaser repeats it."""
    words = lead.split(" ")
    keep = max(12, int(len(words) * rng.uniform(0.5, 0.8)))
    return " ".join(words[:keep]).rstrip(",;:")
