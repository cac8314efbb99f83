"""Training rows generated from templates, to counter what the labelled data teaches wrongly.

GermEval 2018's tweets name some groups almost only in abuse ("schwul", "Frauen", "Linke",
"Flüchtlinge"), so a model trained on them reads the group itself as abuse. The ``identity``
set pairs every group with the same frames: many neutral or friendly sentences (label 0) and
a few abusive ones whose abuse is in the words around the group (label 1), so a group's name
carries the same evidence whichever group it is, and abuse is learnt from what is said of
it. The ``everyday`` set holds harmless sentences whose words contain a slur's letters or sit
next to numbers and product codes (label 0).

Templates and vocabulary are written for this module alone; they are kept apart from the
functional test suite in ``bench/`` on purpose (rows generated from its cases would make it
measure nothing). The rows are generated, never stored: ``moderation model train --augment
identity`` rebuilds them, and the manifest records their count and digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from itertools import product

from moderation.training.data import DataError, LabelledText

SPLIT = "augment"
# How the generated rows are named among the data files (and in --file-weight).
FILE_NAME = "augment"

# (singular noun phrase "ein …", plural "… sind", adjective "ich bin …") per group; an empty
# adjective where German has none that a person uses of themselves.
GROUPS: dict[str, list[tuple[str, str, str]]] = {
    "sexual orientation": [("ein Schwuler", "Schwule", "schwul"),
                           ("eine Lesbe", "Lesben", "lesbisch"),
                           ("ein Bisexueller", "Bisexuelle", "bisexuell"),
                           ("ein Homosexueller", "Homosexuelle", "homosexuell"),
                           ("ein Heterosexueller", "Heterosexuelle", "hetero")],
    "gender": [("eine Frau", "Frauen", "weiblich"), ("ein Mann", "Männer", "männlich"),
               ("eine Feministin", "Feministinnen", "feministisch")],
    "trans": [("eine Transfrau", "Transfrauen", "trans"),
              ("ein Transmann", "Transmänner", "transgender"),
              ("eine nichtbinäre Person", "nichtbinäre Menschen", "nichtbinär")],
    "religion": [("ein Jude", "Juden", "jüdisch"), ("eine Jüdin", "Jüdinnen", "jüdisch"),
                 ("ein Muslim", "Muslime", "muslimisch"),
                 ("eine Muslima", "Musliminnen", "muslimisch"),
                 ("ein Christ", "Christen", "christlich"),
                 ("ein Atheist", "Atheisten", "atheistisch")],
    "origin": [("ein Flüchtling", "Flüchtlinge", "geflüchtet"),
               ("ein Migrant", "Migranten", "eingewandert"),
               ("ein Ausländer", "Ausländer", "ausländisch"),
               ("ein Schwarzer", "Schwarze", "schwarz"),
               ("ein Türke", "Türken", "türkisch"),
               ("ein Araber", "Araber", "arabisch"),
               ("ein Syrer", "Syrer", "syrisch"),
               ("ein Afrikaner", "Afrikaner", "afrikanisch"),
               ("ein Deutscher", "Deutsche", "deutsch"),
               ("ein Sinto", "Sinti und Roma", "")],
    "disability": [("ein Rollstuhlfahrer", "Rollstuhlfahrer", ""),
                   ("ein Mensch mit Behinderung", "Menschen mit Behinderung", "behindert"),
                   ("ein Autist", "Autisten", "autistisch"),
                   ("ein Gehörloser", "Gehörlose", "gehörlos"),
                   ("ein Blinder", "Blinde", "blind")],
    "politics": [("ein Linker", "Linke", "links"), ("ein Grüner", "Grüne", "grün"),
                 ("ein Sozialdemokrat", "Sozialdemokraten", "sozialdemokratisch"),
                 ("ein Konservativer", "Konservative", "konservativ"),
                 ("ein Liberaler", "Liberale", "liberal"),
                 ("ein AfD-Wähler", "AfD-Wähler", "")],
}
PARTIES = ["die Linke", "die Grünen", "die SPD", "die CDU", "die CSU", "die FDP", "die AfD",
           "das BSW"]

# Neutral or friendly frames. {one}: singular, {many}: plural, {adj}: adjective.
NEUTRAL_MANY = [
    "{many} leben in jeder Stadt dieses Landes.",
    "Unsere Nachbarn sind {many} und helfen uns oft im Garten.",
    "Im Verein spielen auch {many} mit, das passt gut.",
    "Der Bericht beschreibt, wie {many} den Alltag erleben.",
    "Viele {many} engagieren sich ehrenamtlich in der Gemeinde.",
    "Ich habe einige {many} im Freundeskreis.",
    "Die Studie hat {many} zu ihrer Arbeit befragt.",
    "{many} haben die gleichen Rechte wie alle anderen.",
    "Auf der Feier waren auch {many}, es war ein schöner Abend.",
    "Warum sollten {many} nicht einfach so leben, wie sie wollen?",
    "In meiner Klasse gab es {many}, niemand hat sich daran gestört.",
    "Die Ausstellung zeigt Porträts von {many} aus der Region.",
    "Danke an alle {many}, die sich für die Nachbarschaft einsetzen.",
    "Der Artikel über {many} war gut recherchiert.",
    "{many} zahlen Steuern, arbeiten und gehen einkaufen wie jeder andere.",
]
NEUTRAL_ONE = [
    "Meine Kollegin hat erzählt, dass ihr Bruder {one} ist.",
    "Der neue Trainer ist {one} und macht seine Sache gut.",
    "Sie ist stolz darauf, {one} zu sein.",
    "Mein bester Freund ist {one}, und wir gehen jeden Freitag zusammen laufen.",
    "Neben mir im Zug saß {one} und las Zeitung.",
]
NEUTRAL_ADJ = [
    "Ich bin {adj}.",
    "Ich bin {adj} und lebe gern hier.",
    "Mein Partner ist {adj}, wir sind seit zehn Jahren zusammen.",
    "Meine Tochter ist {adj}, und das ist gut so.",
    "Dass jemand {adj} ist, sagt nichts über seine Arbeit.",
    "Bin selbst {adj}, danke für den Text!",
]
NEUTRAL_PARTY = [
    "{party} hat ihr Wahlprogramm vorgestellt.",
    "Ich habe bei der letzten Wahl {party} gewählt.",
    "{party} legt in der neuen Umfrage zu.",
    "Auf dem Marktplatz hatte {party} einen Infostand.",
    "Der Antrag kam von {party} und wurde angenommen.",
    "Die Abgeordneten von {party} stimmten geschlossen dafür.",
]
# Abusive frames: the abuse is in the words around the group, never the group alone.
ABUSIVE_MANY = [
    "{many} sind alle dreckiges Pack und gehören weggesperrt.",
    "Diese verdammten {many} sind Abschaum, raus mit ihnen.",
    "{many} sind widerliches Ungeziefer.",
    "Halt die Fresse, ihr {many} seid einfach nur dumm.",
]
ABUSIVE_ONE = [
    "Du bist {one} und ein dummes Stück Scheiße.",
    "Verpiss dich, du bist {one} und ein Idiot.",
]
ABUSIVE_PARTY = [
    "{party} ist ein Haufen verlogener Idioten, die man einsperren sollte.",
    "Wer {party} wählt, ist ein hirnloser Vollidiot.",
]

# Harmless words that hold a slur's letters, and numbers and codes next to words.
EVERYDAY = [
    "Ich spiele abends gern auf der {product}.",
    "Hat jemand die {product} schon getestet? Lohnt sich der Kauf?",
    "Die {product} war im Angebot, ich habe zugeschlagen.",
]
PRODUCTS = ["Nintendo Switch", "Playstation 5", "Xbox Series X", "Galaxy S24", "Galaxy A35",
            "Pixel 8a", "Fritzbox 7590", "Kaffeemaschine", "Spülmaschine"]
EVERYDAY_FIXED = [
    "Mein Sohn spielt seit drei Jahren Handball.", "Der Sohn der Nachbarn studiert Medizin.",
    "Unsere Söhne gehen in dieselbe Schule.", "Platz 3 ging an die Mannschaft aus Kiel.",
    "Nummer 4 auf der Liste hat mir am besten gefallen.", "Variante 2 finde ich besser.",
    "Bitte Update KB5036893 installieren, dann geht es wieder.",
    "Version 3.12.1 behebt den Fehler.", "Der Schalter klemmt, ich tausche ihn aus.",
    "Die Weiche am Bahnhof war eingefroren.", "Ich habe die Lampe mit einem Switch gesteuert.",
    "Der Switch im Keller verbindet alle Rechner.", "Der Bus fährt um 7:45 Uhr ab.",
    "Das Spiel endete 2:1 nach Verlängerung.", "Wir brauchen 5 Kilo Mehl und 3 Eier.",
    "Mein Golf hat jetzt 180.000 km auf dem Tacho.",
    "Die Klasse 7b fährt auf Klassenfahrt.", "Die Schnecke kriecht über den Weg.",
    "Die Bürgermeisterin eröffnet das neue Schwimmbad.", "Wir haben Dosen gesammelt.",
]


def _fill(frames: Sequence[str], **slots: list[str]) -> list[str]:
    names = list(slots)
    texts = []
    for frame, values in product(frames, product(*(slots[n] for n in names))):
        filled = frame.format(**dict(zip(names, values, strict=True)))
        texts.append(filled[0].upper() + filled[1:])
    return texts


def identity_rows() -> list[LabelledText]:
    """Neutral, friendly and abusive sentences about every group, the same frames for all."""
    neutral, abusive = [], []
    for members in GROUPS.values():
        for one, many, adj in members:
            neutral += _fill(NEUTRAL_MANY, many=[many]) + _fill(NEUTRAL_ONE, one=[one])
            abusive += _fill(ABUSIVE_MANY, many=[many]) + _fill(ABUSIVE_ONE, one=[one])
            if adj:
                neutral += _fill(NEUTRAL_ADJ, adj=[adj])
    neutral += _fill(NEUTRAL_PARTY, party=PARTIES)
    abusive += _fill(ABUSIVE_PARTY, party=PARTIES)
    return ([LabelledText(t, 0, SPLIT, "OTHER") for t in neutral]
            + [LabelledText(t, 1, SPLIT, "ABUSE") for t in abusive])


def everyday_rows() -> list[LabelledText]:
    """Harmless sentences with slur-like letters, products, numbers and codes."""
    texts = _fill(EVERYDAY, product=PRODUCTS) + EVERYDAY_FIXED
    return [LabelledText(t, 0, SPLIT, "OTHER") for t in texts]


SETS = {"identity": identity_rows, "everyday": everyday_rows}


def generate(names: Sequence[str]) -> list[LabelledText]:
    """The rows of the named sets, in order; raises ``DataError`` on an unknown name."""
    unknown = [n for n in names if n not in SETS]
    if unknown:
        raise DataError(f"unknown augmentation {', '.join(unknown)} "
                        f"(known: {', '.join(SETS)})")
    return [row for name in names for row in SETS[name]()]


def digest(rows: Sequence[LabelledText]) -> str:
    """sha256 of the rows (text and label), so a manifest pins what was generated."""
    total = hashlib.sha256()
    for row in rows:
        total.update(f"{row.label}\t{row.text}\n".encode())
    return total.hexdigest()
