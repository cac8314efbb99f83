"""Training rows generated from templates, to counter what the labelled data teaches wrongly.

GermEval 2018's tweets name some groups almost only in abuse ("schwul", "Frauen", "Linke",
"Flüchtlinge"), so a model trained on them reads the group itself as abuse. The ``identity``
set pairs every group with the same frames: many neutral or friendly sentences (label 0) and
a few abusive ones whose abuse is in the words around the group (label 1), so a group's name
carries the same evidence whichever group it is, and abuse is learnt from what is said of
it. The ``everyday`` set holds harmless sentences whose words contain a slur's letters or sit
next to numbers and product codes (label 0). The ``evaluative`` set teaches the praise and
blame features (``moderation.scoring.compact.evaluations``) what they mean next to a group:
praise, two groups named together and denied blame are harmless (label 0); blame, denied
praise and exclusion are abusive (label 1), in the same frames for every group of people.

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
    "Dass ich {adj} bin, wissen hier alle, und ich wohne gern in dieser Stadt.",
    "Mein Partner ist {adj}, wir sind seit zehn Jahren zusammen.",
    "Meine Tochter ist {adj}, und das ist gut so.",
    "Dass jemand {adj} ist, sagt nichts über seine Arbeit.",
    "Bin selbst {adj}, danke für den Text!",
]
NEUTRAL_PARTY = [
    "{party} stellt am Montag ihre Kandidatenliste vor.",
    "Ich habe bei der letzten Wahl {party} gewählt.",
    "{party} legt in der neuen Umfrage zu.",
    "Auf dem Marktplatz hatte {party} einen Infostand.",
    "Der Antrag kam von {party} und wurde angenommen.",
    "Die Abgeordneten von {party} stimmten geschlossen dafür.",
]
# Abusive frames: the abuse is in the words around the group, never the group alone.
ABUSIVE_MANY = [
    "{many} sind alle dreckiges Pack und gehören weggesperrt.",
    "Diese verdammten {many}: alles Abschaum, raus mit ihnen.",
    "Diese {many} sind nichts als widerliches Ungeziefer.",
    "Halt die Fresse, ihr {many} seid einfach nur dumm.",
]
ABUSIVE_ONE = [
    "Du bist {one} und ein dummes Stück Scheiße.",
    "Verpiss dich, du bist {one} und ein Idiot.",
]
ABUSIVE_PARTY = [
    "{party} ist ein Haufen verlogener Idioten, die man einsperren sollte.",
    "Wer {party} wählt, hat kein Hirn, so ein Vollidiot.",
]

# Praise and blame said of a group (a few of the lexicons' words; the rest is left for the
# features to generalise to). Each frame is filled with praise and with blame alike, so the
# frame itself is no evidence: praise and denied blame are harmless (label 0), blame and
# denied praise abusive (label 1). {many}: a group, {word}: an adjective or a noun phrase.
PRAISE_WORDS = ["fleißig", "freundlich", "hilfsbereit", "klug", "herzlich", "mutig", "ehrlich",
                "kreativ", "großzügig", "zuverlässig", "sympathisch", "talentiert"]
BLAME_WORDS = ["faul", "kriminell", "gefährlich", "widerlich", "primitiv", "asozial",
               "verkommen", "verlogen", "gewalttätig", "nutzlos", "hinterhältig",
               "rückständig"]
PRAISE_NOUNS = ["eine Bereicherung", "ein Gewinn", "ein Vorbild"]
BLAME_NOUNS = ["eine Plage", "ein Problem", "eine Gefahr", "eine Schande"]
SAID = [
    "{many} sind oft sehr {word}, das merkt man im Alltag.",
    "Ich habe {many} bisher immer als {word} erlebt.",
    "{many} sind {word} für diese Stadt.",
]
DENIED = [
    "{many} sind nicht {word}, egal was die Presse schreibt.",
    "Viele {many}, die ich kenne, sind überhaupt nicht {word}.",
    "{many} sind k{word} für diese Stadt.",
]
# Harmless: two groups side by side (two group names are no evidence either); abusive: a
# group excluded without a word of praise or blame. ("… haben hier nichts verloren" was one
# of these until it proved to be the idiom of a functional-suite template: taken out.)
TOGETHER = [
    "Beim Sommerfest haben {many} und {other} zusammen gegrillt.",
    "Im Chor singen {many} neben {other}.",
]
EXCLUDED = [
    "{many} braucht hier wirklich niemand.",
    "Mit {many} will hier keiner etwas zu tun haben.",
]

# Harmless words that hold a slur's letters, and numbers and codes next to words.
EVERYDAY = [
    "Ich spiele abends gern auf der {product}.",
    "Hat jemand die {product} schon getestet? Lohnt sich der Kauf?",
    "Die {product} war im Angebot, ich habe zugeschlagen.",
    "Für die {product} gibt es seit gestern ein Update.",
    "Meine {product} macht seit dem Umzug Probleme, hat jemand einen Tipp?",
    "{product}",
]
# "Nintendo Switch" is the issue's own example; no other name here is one of the suite's.
PRODUCTS = ["Nintendo Switch", "Switch Lite", "Playstation 5", "Xbox One", "Steam Deck",
            "Galaxy S23", "Galaxy A25", "Galaxy A15", "Pixel 7", "Moto G54", "Fritzbox 7590",
            "Kaffeemaschine", "Spülmaschine"]
EVERYDAY_FIXED = [
    "Mein Sohn spielt seit drei Jahren Handball.", "Der Sohn der Nachbarn studiert Medizin.",
    "Unsere Söhne gehen in dieselbe Schule.", "Platz 3 ging an die Mannschaft aus Kiel.",
    "Nummer 4 auf der Liste hat mir am besten gefallen.", "Variante 2 finde ich besser.",
    "Bitte Update KB5036893 installieren, dann geht es wieder.",
    "Mit Version 3.12.1 ist der Absturz beim Start weg.",
    "Der Schalter klemmt, ich tausche ihn aus.",
    "Die Weiche am Bahnhof war eingefroren.", "Ich habe die Lampe mit einem Switch gesteuert.",
    "Der Switch im Keller verbindet alle Rechner.", "Der Bus fährt um 7:45 Uhr ab.",
    "Das Spiel endete 2:1 nach Verlängerung.", "Wir brauchen 5 Kilo Mehl und 3 Eier.",
    "Mein Golf hat jetzt 180.000 km auf dem Tacho.",
    "Die Klasse 7b fährt auf Klassenfahrt.", "Die Schnecke kriecht über den Weg.",
    "Die Bürgermeisterin eröffnet das neue Schwimmbad.", "Wir haben Dosen gesammelt.",
    "Unser Sohn hat heute sein erstes Tor geschossen.", "Mein Sohn lernt gerade Schwimmen.",
    "Der Sohn meiner Schwester macht eine Ausbildung zum Tischler.",
    "Nummer 7 hat das Rennen gewonnen.", "Bei mir steht Nummer 3 ganz oben.",
    "Welche Nummer hat das Gleis nach Bremen?", "Die Variante mit 8 GB reicht völlig.",
    "Der Netzwerk-Switch hat 24 Ports.", "Mit dem Switch lassen sich beide Monitore umschalten.",
    "Ich switche zwischen Tastatur und Controller.",
    "Die Grafikkarte RX 7600 bleibt auch unter Last leise.",
    "Treiber 551.23 hat das Flackern behoben.", "Firmware 1.4.2 ist seit Montag verfügbar.",
    "Seit dem Patch KB5031356 startet der Rechner schneller.",
    "Bestellnummer 4711-B ist unterwegs.",
    "Im Stadion waren 45.000 Zuschauer.", "Das Paket wiegt 2,5 kg.",
    "Zimmer 112 ist im ersten Stock.", "Linie 5 fährt heute über den Hauptbahnhof.",
    "Der Bus der Linie 12 kommt zehn Minuten zu spät.", "Ich nehme Menü 3 mit Salat.",
    "Die Schnittstelle liefert die Daten im JSON-Format.", "Der Schimmel im Bad ist weg.",
    "Die Schraube passt nicht in den Dübel.", "Schnee und Glätte im ganzen Landkreis.",
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


def _people() -> list[str]:
    """The plural of every group of people in ``GROUPS`` (not the political camps)."""
    return [many for kind, members in GROUPS.items() if kind != "politics"
            for _, many, _ in members]


def evaluative_rows() -> list[LabelledText]:
    """Praise and blame, said and denied, exclusion and two groups side by side, for every
    group of people; the words rotate with the group so each group meets several of them."""
    people = _people()
    harmless, abusive = [], []
    for i, many in enumerate(people):
        def fill(frame: str, words: Sequence[str], j: int, many: str = many, i: int = i) -> str:
            return frame.format(many=many, word=words[(i + j) % len(words)])

        for j, frame in enumerate(SAID + DENIED):
            nouns = "{word} für" in frame
            praise, blame = (PRAISE_NOUNS, BLAME_NOUNS) if nouns else (PRAISE_WORDS, BLAME_WORDS)
            denied = frame in DENIED
            (abusive if denied else harmless).append(fill(frame, praise, j))
            (harmless if denied else abusive).append(fill(frame, blame, j))
        other = people[(i + 7) % len(people)]
        harmless += [frame.format(many=many, other=other) for frame in TOGETHER]
        abusive += [frame.format(many=many) for frame in EXCLUDED]
    capital = [t[0].upper() + t[1:] for t in harmless], [t[0].upper() + t[1:] for t in abusive]
    return ([LabelledText(t, 0, SPLIT, "OTHER") for t in capital[0]]
            + [LabelledText(t, 1, SPLIT, "ABUSE") for t in capital[1]])


def everyday_rows() -> list[LabelledText]:
    """Harmless sentences with slur-like letters, products, numbers and codes."""
    texts = _fill(EVERYDAY, product=PRODUCTS) + EVERYDAY_FIXED
    return [LabelledText(t, 0, SPLIT, "OTHER") for t in texts]


SETS = {"identity": identity_rows, "everyday": everyday_rows, "evaluative": evaluative_rows}


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
