"""Word-list matching benchmark: what the shipped starter lists cost per comment.

Builds ``--comments`` typical news comments (2–6 sentences each, from hand-written German
sentences, none of them hateful, with one in ten carrying a word or phrase of the lists),
then times compiling and matching for three lists: an editor's own list of 60 entries
alone, the starter lists alone, and both (what the configured policy matches). Compiling
happens once per policy version; matching happens once per comment and policy.

    .venv/bin/python bench/wordlists.py [--comments 1000] [--repeat 5]

Prints the machine, compile time, and per-comment matching time (mean, p50, p99) of the
best of ``--repeat`` passes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import describe  # noqa: E402  (bench/ is on the path)

from moderation import starterlists  # noqa: E402
from moderation.wordlists import WordEntry, WordList  # noqa: E402

SENTENCES = [
    "Der Artikel bringt es auf den Punkt, danke für die gründliche Recherche.",
    "Ich sehe das anders: Die Stadt hätte den Radweg schon vor Jahren bauen müssen.",
    "Wer zahlt am Ende die Rechnung? Wie immer die Mieterinnen und Mieter.",
    "Meine Großmutter hat in den Fünfzigern genau so gelebt, das war kein Zuckerschlecken.",
    "Seit 2019 fahre ich mit dem Zug zur Arbeit, die Verspätungen sind unerträglich.",
    "Interessant wäre, was die Opposition dazu sagt – davon steht leider nichts im Text.",
    "Die Zahlen im dritten Absatz stimmen nicht, das Amt hat sie im März korrigiert.",
    "Ehrlich gesagt verstehe ich die ganze Aufregung nicht.",
    "Bei uns im Dorf hat die Bäckerei zugemacht, jetzt fahren alle in den Supermarkt.",
    "Ich arbeite seit zwanzig Jahren in der Pflege und kann das nur bestätigen!",
    "Das Spiel am Samstag war eine Katastrophe, der Trainer muss gehen.",
    "Gibt es dazu eine Quelle? Ich finde im Bericht der Kommission nichts dergleichen.",
    "Schöner Kommentar, aber die Überschrift ist reißerisch.",
    "Mein Sohn spielt Fußball und trainiert dreimal die Woche, bei jedem Wetter.",
    "Die Nintendo Switch war im Angebot, nach zwei Stunden ausverkauft.",
    "Wir haben Ratten im Keller, der Kammerjäger kommt erst nächste Woche.",
    "Der Gemeinderat tagt wieder am Dienstag um 19 Uhr im Rathaus.",
    "Frauen und Männer sollten für dieselbe Arbeit dasselbe verdienen.",
    "Das Update 4.5.1 hat bei mir das WLAN lahmgelegt.",
    "Der Tierarzt sagt, die Parasiten im Darm des Hundes seien harmlos.",
]
FLAGGED = [
    "Ich weiß, wo du wohnst.",
    "Man sollte die alle aufhängen.",
    "Das ist doch Abschaum.",
    "Du Spast.",
]
OWN_LIST = [f"{stem}*" for stem in (
    "arsch", "idiot", "depp", "trottel", "vollpfosten", "schwachkopf", "dummkopf", "penner",
    "wichser", "hurensohn", "miststück", "drecksau", "blödmann", "hohlkopf", "spinner",
    "witzfigur", "lügner", "betrüger", "verbrecher", "nazi")] + [
    "halt die klappe", "halt's maul", "fresse", "verpiss dich", "leck mich", "scheiß*",
    "kacke", "dumm wie brot", "geh sterben", "mist*"] + [f"wort{n}" for n in range(30)]


def comments(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    made = []
    for index in range(count):
        body = rng.sample(SENTENCES, rng.randint(2, 6))
        if index % 10 == 0:
            body.insert(rng.randrange(len(body) + 1), rng.choice(FLAGGED))
        made.append(" ".join(body))
    return made


def measure(name: str, entries: list[WordEntry], texts: list[str], repeat: int) -> None:
    started = time.perf_counter()
    words = WordList(entries)
    compiled_ms = (time.perf_counter() - started) * 1000
    best: list[float] = []
    found = 0
    for _ in range(repeat):
        times, found = [], 0
        for text in texts:
            started = time.perf_counter()
            found += bool(words.find(text))
            times.append((time.perf_counter() - started) * 1000)
        if not best or sum(times) < sum(best):
            best = times
    best.sort()
    print(f"| {name} | {len(entries)} | {compiled_ms:.1f} ms | {sum(best):.1f} ms | "
          f"{statistics.mean(best) * 1000:.0f} µs | {best[len(best) // 2] * 1000:.0f} µs | "
          f"{best[int(len(best) * 0.99)] * 1000:.0f} µs | {found} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = comments(args.comments)
    print(describe())
    print(f"{len(texts)} comments, {sum(map(len, texts)) / len(texts):.0f} characters on "
          f"average; best of {args.repeat} passes\n")
    print("| lists | entries | compile | 1,000 comments | mean | p50 | p99 | comments hit |")
    print("|---|---|---|---|---|---|---|---|")
    own = [WordEntry(term, "suspect") for term in OWN_LIST]
    starter = starterlists.entries(starterlists.default_choices())
    measure("own list", own, texts, args.repeat)
    measure("starter lists", starter, texts, args.repeat)
    measure("own + starter lists", own + starter, texts, args.repeat)


if __name__ == "__main__":
    main()
