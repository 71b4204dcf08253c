"""Site furniture: the navigation, bylines, share bars and footers a scraper leaves in.

Each synthetic site has a fixed template (shared by every page of the site, the way a
real template is) plus per-page variables (dates, counters, strings of digits). None
of it is body text: it must never make two pages related nor count in coverage.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Site:
    """One site's template; ``{date}``, ``{time}``, ``{n}``, ``{digits}`` are filled per page."""

    domain: str
    header: tuple[str, ...]
    byline: str
    footer: tuple[str, ...]


_COOKIES = (
    "Ce site utilise des cookies pour améliorer votre expérience de navigation et "
    "réaliser des statistiques de visites. En poursuivant votre navigation, vous "
    "acceptez leur utilisation."
)
_NEWSLETTER = (
    "Abonnez-vous à notre lettre d'information pour recevoir chaque matin "
    "l'essentiel de l'actualité régionale, nationale et internationale."
)
_SHARE = "Partager sur Facebook | Partager sur Twitter | Envoyer par e-mail | Imprimer"

SITES: tuple[Site, ...] = (
    Site(
        "french.xinhua-echo.net",
        ("Accueil | Monde | Chine | Afrique | Économie | Sport", "Rechercher", "T+ | T-"),
        "Publié le {date} à {time} | french.xinhua-echo.net",
        ("Partager", "Lire aussi", "Retour en haut", "RSS", "{digits}"),
    ),
    Site(
        "lecourrier-leman.ch",
        ("Le Courrier du Léman", "Accueil > Actualité > Suisse", "Rechercher", _COOKIES),
        "Mis à jour le {date} à {time}",
        (
            _SHARE,
            "Commentaires ({n})",
            "Lire aussi",
            "© Le Courrier du Léman — Tous droits réservés",
        ),
    ),
    Site(
        "tribune-romande.ch",
        (
            "TRIBUNE ROMANDE",
            "Genève | Vaud | Valais | Fribourg | Neuchâtel | Jura",
            "Taille du Texte",
        ),
        "Par la rédaction — {date}, {time}",
        ("(ats/afp)", _NEWSLETTER, "Retour en haut", "Lu {n} fois", "T+ | T-"),
    ),
    Site(
        "lejournal-alpin.fr",
        (_SHARE, "Rechercher", "Menu"),
        "{date} {time} — Le Journal alpin",
        (_SHARE, "Lire aussi", "RSS", "{date} {time} AM Jerusalem Timing"),
    ),
    Site(
        "gazette-du-lac.ch",
        ("Gazette du Lac", "Se connecter | S'abonner", "Rechercher"),
        "Publié le {date}",
        ("Photo: Keystone", _COOKIES, "Partager", "{digits}"),
    ),
    Site(
        "infos-express.net",
        ("INFOS EXPRESS", "Dernière minute", "T+ | T-", "RSS"),
        "{date} | {time} | Infos Express",
        ("Tags : politique, société, monde", "Commentaires ({n})", "Retour en haut"),
    ),
    Site(
        "depeches-monde.org",
        ("Dépêches du monde", "Accueil · International · Europe · Afrique · Asie"),
        "Dépêche du {date}, mise à jour à {time}",
        ("Lire aussi", "Partager", "© Dépêches du monde {n}", "{digits}", _NEWSLETTER),
    ),
    Site(
        "quotidien-jura.ch",
        ("Le Quotidien jurassien", "Région | Suisse | Monde | Sports | Culture", "Rechercher"),
        "{date} - {time}",
        (_SHARE, "Vos réactions ({n})", "Retour en haut", "RSS"),
    ),
    Site(
        "archives-presse.ch",
        ("Archives de presse", "Consulter le fac-similé", "Page {n}"),
        "Édition du {date}",
        ("Texte issu de la reconnaissance optique (OCR), erreurs possibles.", "{digits}"),
    ),
    Site(
        "actu-suisse.info",
        ("actu-suisse.info", "Rechercher", "Partager", "T+ | T-"),
        "Publié le {date} à {time} | actu-suisse.info",
        ("Partager", "Lire aussi", "Retour en haut", "{date} {time}", "{digits}"),
    ),
)


def _fill(template: str, when: datetime, rng: random.Random) -> str:
    digits = " ".join(str(rng.randint(0, 99999)) for _ in range(rng.randint(3, 7)))
    return template.format(
        date=when.strftime("%Y-%m-%d") if rng.random() < 0.7 else when.strftime("%d.%m.%Y"),
        time=when.strftime("%H:%M"),
        n=rng.randint(1, 9999),
        digits=digits,
    )


def header(site: Site, when: datetime, rng: random.Random) -> list[str]:
    """The lines above the title of one page of ``site``."""
    return [_fill(line, when, rng) for line in site.header]


def byline(site: Site, when: datetime, rng: random.Random) -> str:
    """The date line under the title."""
    return _fill(site.byline, when, rng)


def footer(site: Site, when: datetime, rng: random.Random) -> list[str]:
    """The lines after the body; a page sometimes lacks one of them."""
    lines = [_fill(line, when, rng) for line in site.footer]
    if len(lines) > 2 and rng.random() < 0.3:
        del lines[rng.randrange(len(lines))]
    return lines


RUBRICS: tuple[str, ...] = (
    "Confédération",
    "Chronique locale",
    "Dernières dépêches",
    "Étranger",
    "Faits divers",
    "Tribunaux",
    "Nouvelles des cantons",
    "Petite chronique",
    "Informations",
    "Économie",
    "Lettre de Paris",
    "Télégrammes",
)


def title(rng: random.Random) -> str:
    """A rubric headline: short and shared by many pages, like a section label."""
    rubric = rng.choice(RUBRICS)
    return rubric if rng.random() < 0.6 else f"{rubric} ({rng.randint(1, 9)})"
