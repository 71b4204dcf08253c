"""Large generated corpora for the batch benchmark: many unrelated articles of about
3 KB, a few percent of them republished (with light edits) by other outlets.

The text is pseudo-French: 60,000 made-up content words and about 150 French function
words, with Zipf frequencies whose head is flattened as in news text (no content word
above about 0.3% of running words), so that unrelated articles share about as many
character 5-grams as real ones do (a small vocabulary relates everything to
everything). Copies keep their original's paragraphs with a few words replaced, now
and then a paragraph dropped or a local one added, and a later publication time.

The same ``(count, seed)`` gives the same corpus, written as JSONL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

_FUNCTION_WORDS = (
    "de",
    "la",
    "le",
    "et",
    "les",
    "des",
    "en",
    "un",
    "une",
    "du",
    "que",
    "qui",
    "dans",
    "pour",
    "sur",
    "par",
    "au",
    "avec",
    "il",
    "elle",
    "a",
    "est",
    "sont",
    "pas",
    "plus",
    "ne",
    "se",
    "ce",
    "son",
    "sa",
    "ses",
    "aux",
    "mais",
    "ou",
    "comme",
    "selon",
    "apres",
    "avant",
    "lors",
    "entre",
    "nous",
    "vous",
    "ils",
    "elles",
    "on",
    "leur",
    "leurs",
    "cette",
    "ces",
    "cet",
    "y",
    "dont",
    "lui",
    "sans",
    "sous",
    "vers",
    "chez",
    "depuis",
    "pendant",
    "contre",
    "alors",
    "aussi",
    "encore",
    "deja",
    "tres",
    "bien",
    "tout",
    "tous",
    "toute",
    "toutes",
    "autre",
    "autres",
    "meme",
    "ainsi",
    "donc",
    "car",
    "puis",
    "quand",
    "si",
    "avoir",
    "etre",
    "fait",
    "faire",
    "peut",
    "doit",
    "ont",
    "avait",
    "etait",
    "sera",
    "seront",
    "cela",
    "celui",
    "celle",
    "ceux",
    "quelque",
    "chaque",
    "plusieurs",
    "certains",
    "hier",
    "demain",
    "aujourd",
    "notamment",
    "toutefois",
    "cependant",
    "egalement",
    "desormais",
    "enfin",
    "surtout",
    "tandis",
    "jusqu",
    "afin",
    "pres",
    "loin",
    "haut",
    "bas",
    "grand",
    "grande",
    "petit",
    "petite",
    "nouveau",
    "nouvelle",
    "premier",
    "premiere",
    "dernier",
    "derniere",
)
_ONSETS = ["", "b", "c", "d", "f", "g", "j", "l", "m", "n", "p", "r", "s", "t", "v",
           "ch", "br", "cr", "dr", "fr", "gr", "pl", "pr", "tr", "qu"]  # fmt: skip
_VOWELS = ["a", "e", "i", "o", "u", "é", "ou", "ai", "ei", "au", "on", "an", "in", "eu"]
_CODAS = ["", "", "", "r", "s", "l", "n", "t", "x"]
VOCABULARY = 60_000
TARGET_CHARS = 3000
SOURCES = 40


@dataclass(frozen=True, slots=True)
class ScaleParams:
    """How many articles, which share are copies, and the seed."""

    count: int
    republished: float = 0.04
    seed: int = 1


def vocabulary(rng: np.random.Generator) -> list[str]:
    """Distinct made-up words of one to four syllables."""
    words: set[str] = set()
    while len(words) < VOCABULARY:
        syllables = int(rng.integers(1, 5))
        word = "".join(
            _ONSETS[int(rng.integers(len(_ONSETS)))]
            + _VOWELS[int(rng.integers(len(_VOWELS)))]
            + _CODAS[int(rng.integers(len(_CODAS)))]
            for _ in range(syllables)
        )
        if len(word) >= 3:
            words.add(word)
    return sorted(words)


class _Writer:
    def __init__(self, params: ScaleParams) -> None:
        self.rng = np.random.default_rng(params.seed)
        content = vocabulary(self.rng)
        self.words = np.array([*_FUNCTION_WORDS, *content], dtype=object)
        # Zipf with a flattened head, as in news text: no content word above ~0.3% of
        # running words; function words 40% of them, the commonest about 4%.
        content_p = 1.0 / np.arange(100, len(content) + 100, dtype=np.float64)
        content_p *= 0.6 / content_p.sum()
        function_p = 1.0 / np.arange(2, len(_FUNCTION_WORDS) + 2, dtype=np.float64)
        function_p *= 0.4 / function_p.sum()
        self.cumulative = np.cumsum(np.concatenate((function_p, content_p)))
        self.cumulative[-1] = 1.0

    def draw(self, count: int) -> list[str]:
        picks = np.searchsorted(self.cumulative, self.rng.random(count))
        return list(self.words[picks])

    def sentence(self) -> str:
        words = self.draw(int(self.rng.integers(10, 31)))
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(int(self.rng.integers(2, 5))))

    def article(self) -> list[str]:
        paragraphs: list[str] = []
        size = 0
        while size < TARGET_CHARS:
            paragraphs.append(self.paragraph())
            size += len(paragraphs[-1]) + 2
        return paragraphs

    def edited(self, paragraphs: list[str]) -> list[str]:
        """A republication: a few words replaced; maybe a paragraph dropped or added."""
        out = []
        for text in paragraphs:
            words = text.split(" ")
            for _ in range(max(1, len(words) // 60)):
                at = int(self.rng.integers(len(words)))
                words[at] = self.draw(1)[0]
            out.append(" ".join(words))
        if len(out) > 3 and self.rng.random() < 0.2:
            out.pop()
        if self.rng.random() < 0.3:
            out.append(self.paragraph())
        return out


def articles(params: ScaleParams) -> Iterator[tuple[dict[str, object], str | None]]:
    """``(article JSON, id of the original it copies or None)`` in publication order."""
    writer = _Writer(params)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    originals: list[tuple[str, list[str], datetime]] = []
    for n in range(params.count):
        article_id = f"a{n:07d}"
        source = f"outlet-{int(writer.rng.integers(SOURCES)):02d}"
        when = start + timedelta(seconds=30 * n)
        copied: str | None = None
        if originals and writer.rng.random() < params.republished:
            # a recent original, republished minutes to days later
            pick = max(0, len(originals) - 1 - int(writer.rng.geometric(0.002)))
            copied, paragraphs, _ = originals[pick]
            paragraphs = writer.edited(paragraphs)
        else:
            paragraphs = writer.article()
            originals.append((article_id, paragraphs, when))
            if len(originals) > 5000:
                originals = originals[-5000:]
        row: dict[str, object] = {
            "id": article_id,
            "text": "\n\n".join(paragraphs),
            "source": source,
            "published_at": when.isoformat().replace("+00:00", "Z"),
        }
        yield row, copied


def write(params: ScaleParams, path: Path) -> dict[str, int]:
    """Write the corpus to ``path`` (JSONL); how many articles and planted copies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    copies = 0
    temporary = path.with_name(path.name + ".tmp")
    truth = path.with_name(path.stem + ".copies.tsv")
    with temporary.open("w", encoding="utf-8") as out, truth.open("w", encoding="utf-8") as pairs:
        for row, copied in articles(params):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if copied is not None:
                copies += 1
                pairs.write(f"{row['id']}\t{copied}\n")
    temporary.replace(path)
    return {"articles": params.count, "copies": copies}
