"""Which paragraphs are site furniture rather than the article's body.

Rules on one paragraph at a time: navigation bars, bylines and labels (few words),
digit strings and timestamps, credits and related links, cookie and subscription
notices, and headings (short lines without closing punctuation). Boilerplate never
makes two pages related and is left out of coverage. Text that many indexed articles
share is handled later, by document frequency (``detector.matcher.common_units``).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_SEPARATOR = re.compile(r"\s[|•·›»>/]\s|\s[|•·›]|[|•·›]\s")
_DOMAIN = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|fr|ch|be|de|uk|ca|info|io|it|es)\b"
)
_CREDIT = re.compile(
    r"^[\W_]*(?:photo|photos|image|source|sources|credit|crédit|crédits|copyright|©|"
    r"lire aussi|à lire aussi|lire la suite|voir aussi|read more|related|see also|"
    r"publié|mis à jour|updated|published)",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^[\W_]*(?:par|by|with|avec|de notre (?:correspondant|envoyé))\s", re.I)
# Searched in lower-cased text: IGNORECASE makes this alternation ten times slower.
_NOTICE = re.compile(
    r"cookies?\b|newsletter|abonnez-vous|s'abonner|subscribe|javascript|"
    r"tous droits réservés|all rights reserved|politique de confidentialité|privacy policy|"
    r"conditions d'utilisation|terms of use|partager sur|share on|suivez-nous|follow us"
)
_NOTICE_WORDS = (
    *("cookie", "newsletter", "abonnez-vous", "s'abonner", "subscribe", "javascript"),
    *("tous droits réservés", "all rights reserved", "politique de confidentialité"),
    *("privacy policy", "conditions d'utilisation", "terms of use", "partager sur"),
    *("share on", "suivez-nous", "follow us"),
)
"""What every ``_NOTICE`` match contains: substring tests are twice as fast as the
regex, which then runs only on the rare text that passes them."""
NOTICE_FRAGMENTS = tuple(
    max(re.split(r"[^\x00-\x7f]", word), key=len).encode() for word in _NOTICE_WORDS
)
"""The longest ASCII part of each of ``_NOTICE_WORDS`` ("tous droits r" of "tous droits
réservés"), as bytes."""
_BRACKETED = re.compile(r"^\s*[(\[].*[)\]]\s*$", re.DOTALL)
_SENTENCE_CLOSE = re.compile(r"[.!…][\"'»”’)\]]*$")

_OPEN_ENDS = ",;:"
_HYPHENS = "-‐¬"
_LAST_WORD = re.compile(r"(\w+)\W*$")
_FUNCTION_WORDS = frozenset(
    {
        *("de", "du", "des", "d", "le", "la", "les", "l", "un", "une", "et", "ou", "en"),
        *("à", "a", "au", "aux", "par", "pour", "sur", "dans", "avec", "que", "qu", "qui"),
        *("dont", "ne", "se", "sa", "son", "ses", "leur", "leurs", "ce", "cette"),
        *("the", "of", "and", "to", "in", "for", "on", "with", "by", "from", "at", "an", "or"),
    }
)
"""Lower-case words a heading does not end with: a line ending with one goes on below."""

SHORT_WORDS = 4
"""Paragraphs with fewer words are navigation, bylines or labels."""
HEADING_WORDS = 20
"""Single lines without closing punctuation and at most this many words are headings."""
CREDIT_WORDS = 15
NOTICE_WORDS = 80
NAV_SEGMENT_WORDS = 4
_WORDS_COUNTED = max(SHORT_WORDS, HEADING_WORDS, CREDIT_WORDS)
"""``split(maxsplit=n)`` yields n + 1 pieces at most, so a count capped there still
compares right with every threshold up to n; ``NOTICE_WORDS`` is counted to only when
the text can hold a notice."""
_SEPARATORS = "|•·›»>/"
"""Characters that part the items of a navigation bar. In a paragraph a substring test
for each is five times faster than the regex, which is faster on a short line."""
_SEPARATOR_CHAR = re.compile(f"[{re.escape(_SEPARATORS)}]")
_ASCII_DIGITS = b"0123456789"


def classify(paragraph: str, *, notices: bool = True) -> str | None:
    """None for body text, else why the paragraph is boilerplate.

    ``notices=False`` says that the text the paragraph comes from holds no notice
    wording at all (:func:`may_hold_notice`), which spares looking for it again.

    >>> classify("Partager sur Facebook | Partager sur Twitter | Imprimer")
    'navigation'
    >>> classify("Le Conseil fédéral a décidé hier de convoquer les chambres.") is None
    True
    """
    if _LETTER.search(paragraph) is None:
        return "digits"
    # Digits are counted only when they could make a quarter of the text, and letters
    # only when digits could then outnumber them.
    if not _few_digits(paragraph):
        digits = len(_DIGIT.findall(paragraph))
        if digits * 4 >= len(paragraph) and digits >= len(_LETTER.findall(paragraph)):
            return "digits"
    # Counted up to one over the largest threshold: long paragraphs are not split whole.
    words = len(paragraph.split(maxsplit=_WORDS_COUNTED))
    # "Expédition de" above the rest of an advertisement is its first line, not a label.
    if words < SHORT_WORDS and (paragraph.rstrip()[-1:] in ":;" or not breaks_off(paragraph)):
        return "short"
    if any(c in paragraph for c in _SEPARATORS) and _is_navigation(paragraph):
        return "navigation"
    if _BRACKETED.match(paragraph):
        return "link"
    if words <= CREDIT_WORDS and (_CREDIT.match(paragraph) or _DOMAIN.search(paragraph)):
        return "credit"
    closed = _SENTENCE_CLOSE.search(paragraph.rstrip()[-8:]) is not None
    if words <= CREDIT_WORDS and not closed and _BYLINE.match(paragraph):
        return "credit"
    if (
        notices
        and (words <= _WORDS_COUNTED or len(paragraph.split(maxsplit=NOTICE_WORDS)) <= NOTICE_WORDS)
        and _is_notice(paragraph.lower())
    ):
        return "notice"
    if words <= HEADING_WORDS and "\n" not in paragraph and not closed:
        return None if breaks_off(paragraph) else "heading"
    return None


def _few_digits(paragraph: str) -> bool:
    """Whether digits surely make less than a quarter of ``paragraph``, without finding
    them one by one: ASCII digits are counted in its UTF-8 bytes, and any other
    character (another script's digit among them) takes at least two of those bytes."""
    data = paragraph.encode("utf-8", errors="surrogatepass")
    ascii_digits = len(data) - len(data.translate(None, _ASCII_DIGITS))
    return (ascii_digits + len(data) - len(paragraph)) * 4 < len(paragraph)


def breaks_off(line: str) -> bool:
    """Whether a line stops in the middle of a sentence (a comma, a word cut by a
    hyphen, a word such as "de" or "the"): a wrapped line of text, never a heading or a
    label.

    >>> breaks_off("Expédition de"), breaks_off("lumière électrique,"), breaks_off("T+ | T-")
    (True, True, False)
    """
    tail = line.rstrip()
    if tail[-1:] in _OPEN_ENDS:
        return True
    if tail[-1:] in _HYPHENS:
        return tail[-3:-1].isalpha() and tail[-3:-1].islower()
    word = _LAST_WORD.search(tail[-16:])
    return word is not None and word.group(1) in _FUNCTION_WORDS


def may_hold_notice(text: str) -> bool:
    """Whether any part of ``text`` can be a notice: False when no notice wording occurs
    anywhere in it (lower-casing a part gives a part of the lower-cased whole).

    True may be said of a text without a notice (the rules then look for one in each
    part, and find none): the test looks for the ASCII fragments of the wording in the
    text's UTF-8 bytes with ASCII lower-cased, which takes a third of the time
    ``str.lower`` takes on French text. Only two other characters lower-case to ASCII
    (the Kelvin sign and the dotted capital I): a text that holds one is lower-cased
    whole.
    """
    if "\u212a" in text or "\u0130" in text:
        lowered = text.lower()
        return any(word in lowered for word in _NOTICE_WORDS)
    data = text.encode("utf-8", errors="surrogatepass").lower()
    return any(fragment in data for fragment in NOTICE_FRAGMENTS)


def may_hold_inline_furniture(text: str, start: int, end: int, *, notices: bool = True) -> bool:
    """Cheap test on a whole block: can any of its lines be inline furniture?
    (``notices`` as for :func:`classify`.)"""
    return _SEPARATOR_CHAR.search(text, start, end) is not None or (
        notices and _is_notice(text[start:end].lower())
    )


def is_inline_furniture(line: str, *, notices: bool = True) -> bool:
    """Furniture even between two lines of wrapped text: a navigation bar, a notice, or
    a line without letters (credits and headings would misfire on OCR lines).
    (``notices`` as for :func:`classify`.)"""
    if _LETTER.search(line) is None:
        return True
    if notices and _is_notice(line.lower()):
        return True
    return _SEPARATOR_CHAR.search(line) is not None and _is_navigation(line)


def _is_notice(lowered: str) -> bool:
    return any(word in lowered for word in _NOTICE_WORDS) and _NOTICE.search(lowered) is not None


def _is_navigation(paragraph: str) -> bool:
    """A bar of short items between separators: "Région | Suisse | Monde"."""
    if len(_SEPARATOR.findall(paragraph)) < 2:
        return False
    items = re.split(r"[|•·›»>\n]| / ", paragraph)
    return all(len(_WORD.findall(item)) <= NAV_SEGMENT_WORDS for item in items)
