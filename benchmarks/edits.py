"""The edits a republished text goes through: words changed, dropped or added, OCR
confusions, quote styles, and re-typesetting (line breaks and hyphenation moved).

Every function takes its own ``random.Random`` so a corpus is a pure function of its seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Literal

Layout = Literal["ocr_blank", "ocr_lines", "flow_lines", "flow_blank"]
LAYOUTS: tuple[Layout, ...] = ("ocr_blank", "ocr_lines", "flow_lines", "flow_blank")

# Real pages are mostly re-flowed; raw OCR dumps exist but are rarer.
LAYOUT_WEIGHTS: tuple[float, ...] = (0.25, 0.15, 0.35, 0.25)


@dataclass(frozen=True, slots=True)
class EditRates:
    """Per-word probabilities of each kind of edit."""

    substitute: float
    drop: float
    insert: float
    ocr: float

    def __post_init__(self) -> None:
        for name in ("substitute", "drop", "insert", "ocr"):
            value = getattr(self, name)
            if not 0.0 <= value <= 0.5:
                raise ValueError(f"{name} must be a probability in [0, 0.5], got {value!r}")


LIGHT = EditRates(substitute=0.01, drop=0.005, insert=0.005, ocr=0.005)
MEDIUM = EditRates(substitute=0.03, drop=0.015, insert=0.01, ocr=0.02)
HEAVY = EditRates(substitute=0.06, drop=0.03, insert=0.02, ocr=0.04)

# Spelling variants and desk edits seen between wire copy and its republications.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "hier": ("mardi", "lundi", "dimanche"),
    "aujourd'hui": ("ce matin", "mercredi"),
    "déclaré": ("dit", "affirmé", "annoncé"),
    "dit": ("déclaré", "indiqué"),
    "environ": ("près de", "quelque"),
    "mais": ("cependant", "toutefois"),
    "très": ("fort", "bien"),
    "grand": ("important", "vaste"),
    "grande": ("importante", "vaste"),
    "Genève": ("Geneve", "GENÈVE"),
    "Lausanne": ("LAUSANNE",),
    "Berne": ("BERNE",),
    "M.": ("Monsieur", "Mr"),
    "gouvernement": ("cabinet", "ministère"),
    "armée": ("troupes",),
    "ville": ("cité", "localité"),
    "beaucoup": ("nombre", "quantité"),
    "annonce": ("mande", "télégraphie"),
    "on": ("l'on",),
}
FILLER_WORDS: tuple[str, ...] = (
    "également",
    "notamment",
    "toutefois",
    "déjà",
    "encore",
    "ainsi",
    "alors",
    "aussi",
    "donc",
    "en effet,",
    "dit-on,",
    "paraît-il,",
)
OCR_CONFUSIONS: dict[str, tuple[str, ...]] = {
    "e": ("c", "é", "o"),
    "c": ("e",),
    "n": ("u", "ii"),
    "u": ("n", "a"),
    "i": ("l", "1", "t"),
    "l": ("i", "1", "t"),
    "o": ("e", "0"),
    "é": ("e", "ê", "ó"),
    "è": ("e", "é"),
    "a": ("s", "n"),
    "m": ("rn", "in"),
    "s": ("a", "e"),
    "t": ("l", "f"),
    "r": ("v",),
    "'": ("’", ","),
}
_TOKEN = re.compile(r"(\s+)")
_HYPHEN_BREAK = re.compile(r"(?<=\w)-\n(?=[a-zà-ÿ])")


def edit_text(text: str, rates: EditRates, rng: random.Random) -> str:
    """Apply word-level edits to ``text``, keeping its whitespace (line breaks) in place."""
    tokens = _TOKEN.split(text)
    out: list[str] = []
    for index, token in enumerate(tokens):
        if index % 2 == 1 or not token:
            out.append(token)
            continue
        roll = rng.random()
        if roll < rates.drop and len(tokens) > 9:
            # Drop the word and the whitespace after it, keeping a line break if it had one.
            if index + 1 < len(tokens):
                tokens[index + 1] = "\n" if "\n" in tokens[index + 1] else ""
            continue
        roll -= rates.drop
        word = token
        if roll < rates.substitute:
            word = _substitute(word, rng)
        elif roll - rates.substitute < rates.insert:
            word = f"{word} {rng.choice(FILLER_WORDS)}"
        if rng.random() < rates.ocr:
            word = _ocr_noise(word, rng)
        out.append(word)
    return "".join(out)


def _substitute(word: str, rng: random.Random) -> str:
    core = word.rstrip(".,;:!?»)")
    tail = word[len(core) :]
    options = SYNONYMS.get(core)
    if options:
        return rng.choice(options) + tail
    if len(core) > 3 and core.isalpha():
        # Another paper's own wording: a different word of similar length.
        return rng.choice(FILLER_WORDS).rstrip(",") + tail
    return word


def _ocr_noise(word: str, rng: random.Random) -> str:
    spots = [i for i, ch in enumerate(word) if ch in OCR_CONFUSIONS]
    if not spots:
        return word
    spot = rng.choice(spots)
    return word[:spot] + rng.choice(OCR_CONFUSIONS[word[spot]]) + word[spot + 1 :]


def change_quotes(text: str, rng: random.Random) -> str:
    """Typographic conventions differ between sites: apostrophes and guillemets."""
    if rng.random() < 0.5:
        text = text.replace("'", "’")
    if rng.random() < 0.5:
        text = text.replace("« ", '"').replace(" »", '"')
    return text


def unwrap(text: str, dehyphenate: bool) -> str:
    """Join hard-wrapped lines into one line. With ``dehyphenate``, words split at a
    line end are repaired ("céré-\\nmonie" -> "cérémonie"), as a careful scraper
    would; without it the hyphen stays ("céré- monie"), as a naive one leaves it."""
    if dehyphenate:
        text = _HYPHEN_BREAK.sub("", text)
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def wrap(text: str, width: int, rng: random.Random, hyphenate: float = 0.3) -> str:
    """Typeset ``text`` in a column ``width`` characters wide, hyphenating long words
    at the line end with probability ``hyphenate``, as newspaper columns do."""
    words = unwrap(text, dehyphenate=True).split(" ")
    lines: list[str] = []
    line = ""
    for word in words:
        if not line:
            line = word
            continue
        if len(line) + 1 + len(word) <= width:
            line = f"{line} {word}"
            continue
        room = width - len(line) - 2
        if len(word) >= 7 and room >= 3 and word.isalpha() and rng.random() < hyphenate:
            cut = min(room, len(word) - 3)
            lines.append(f"{line} {word[:cut]}-")
            line = word[cut:]
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return "\n".join(lines)


def is_hard_wrapped(text: str) -> bool:
    """True when ``text`` has several short lines (a column of OCR or typesetting)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and sorted(len(line) for line in lines)[len(lines) // 2] < 80


def lay_out(paragraph: str, layout: Layout, dehyphenate: bool) -> str:
    """One paragraph as a page with ``layout`` prints it."""
    if layout in ("flow_lines", "flow_blank"):
        return unwrap(paragraph, dehyphenate)
    return paragraph.strip("\n")


def separator(layout: Layout) -> str:
    """What stands between two paragraphs of a page with ``layout``."""
    return "\n\n" if layout in ("ocr_blank", "flow_blank") else "\n"


def retypeset(paragraph: str, rng: random.Random) -> str:
    """Another paper's column: the same words on differently broken lines."""
    return wrap(paragraph, rng.randint(34, 58), rng)
