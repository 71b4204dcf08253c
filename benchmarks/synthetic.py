"""A synthetic text source for a fresh clone without ``../shared/data``.

Clearly not real news: pseudo-sentences drawn from a small French vocabulary written
here. Words are drawn independently, so two generated paragraphs share no run of more
than a few words by chance, which makes "unrelated" true by construction.
"""

from __future__ import annotations

import random

from benchmarks.edits import HEAVY, edit_text, wrap


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Content words of 1900-style news, written for this benchmark.
_WORDS = _words(
    """
    conseil fédéral assemblée député ministre gouvernement préfet commune canton ville
    village port gare chemin fer ligne train voyageur marchandise récolte vigne blé lait
    fromage horlogerie fabrique ouvrier grève patron salaire impôt budget dépense
    recette crédit banque bourse emprunt obligation action dividende tribunal juge
    procès avocat témoin accusé verdict prison amende police gendarme incendie pompier
    orage neige grêle inondation rivière lac montagne glacier col route pont tunnel
    armée régiment officier soldat manœuvre frontière traité ambassadeur consul légation
    délégué conférence congrès exposition pavillon visiteur concert théâtre opéra musée
    bibliothèque école collège université professeur étudiant leçon examen hôpital
    médecin malade épidémie vaccin société cercle fête banquet discours toast cortège
    drapeau fanfare tir cible concours prix médaille jury comité président secrétaire
    caissier membre séance rapport projet loi décret règlement arrêté pétition votation
    électeur scrutin bulletin majorité minorité parti radical libéral conservateur
    socialiste journal rédaction dépêche télégramme correspondant nouvelle rumeur
    démenti enquête catastrophe accident victime blessé funérailles deuil hommage
    souvenir anniversaire centenaire monument statue église temple pasteur curé évêque
    paroisse mission colonie navire vapeur steamer passager capitaine équipage tempête
    naufrage sauvetage marché foire bétail cheval vache porc prix hausse baisse vente
    achat commerce industrie usine machine électricité tramway automobile bicyclette
    télégraphe téléphone lumière gaz eau source fontaine jardin parc promenade quai rue
    place avenue faubourg quartier maison immeuble logement loyer propriétaire locataire
    hiver printemps été automne matin soir nuit semaine mois année siècle mardi mercredi
    jeudi vendredi samedi dimanche lundi hier demain aujourd'hui bientôt longtemps
    souvent jamais toujours encore déjà
    """
)
_FUNCTION = _words(
    """
    le la les un une des du de au aux et ou mais donc car ni que qui dont où en dans sur
    sous avec sans pour par entre vers chez
    """
)
_VERBS = _words(
    """
    a est sont fut était ont annonce apprend signale décide refuse accepte propose
    examine discute vote adopte rejette reçoit visite quitte rejoint
    """
)


def sentence(rng: random.Random) -> str:
    """One pseudo-sentence of 8 to 22 words."""
    words: list[str] = []
    for position in range(rng.randint(8, 22)):
        roll = rng.random()
        if roll < 0.35:
            words.append(rng.choice(_FUNCTION))
        elif roll < 0.5 or position == 2:
            words.append(rng.choice(_VERBS))
        else:
            words.append(rng.choice(_WORDS))
    words[0] = words[0].capitalize()
    if len(words) > 10 and rng.random() < 0.4:
        words[len(words) // 2] += ","
    return " ".join(words) + "."


def paragraph(rng: random.Random, chars: int) -> str:
    """A hard-wrapped pseudo-paragraph of about ``chars`` characters, like an OCR column."""
    parts: list[str] = []
    total = 0
    while total < chars:
        parts.append(sentence(rng))
        total += len(parts[-1]) + 1
    return wrap(" ".join(parts), rng.randint(38, 52), rng)


def partner(text: str, rng: random.Random) -> str:
    """Another paper's version of ``text``: edited, noisy, set in another column."""
    return wrap(edit_text(text, HEAVY, rng), rng.randint(36, 56), rng)
