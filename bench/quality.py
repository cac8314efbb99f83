"""Quality benchmark: the shipped compact model (and detoxify, where its weights load) on the
labelled test splits, with the default policy and with the toxicity review threshold that the
model's cross-validation recommends, beside the data README's floor baseline.

    .venv/bin/python bench/quality.py [--data-dir /work/shared/data] [--no-floor] [--json]
                                      [--review-threshold T] [--model DIR]

Sets: germeval2018, germeval2019, hasoc2019_de (German), olid2019, hasoc2019_en (English, for
context). Per set: ROC-AUC, macro-F1/precision/recall at the policy's review threshold for
toxicity, what the policy does (approved / held / rejected, toxic comments published
automatically), and the share a blog would hold if 10 % of its comments were abusive (the
set's recall and false-positive rate reweighted to that base rate). The compact model is read
twice: at the default policy (review 0.5) and at the threshold recommended in its manifest
(chosen on out-of-fold predictions of GermEval 2018 train, never on a test split). The floor
(TF-IDF word 1–2 + char_wb 2–5-gram logistic regression on raw text, fit on germeval2018 train,
read at 0.5) is retrained here if scikit-learn is installed. Then, labelled as an oracle, the
compact model's best macro-F1 on each test split and the cut-off that reaches it: chosen on
the test labels themselves, so no deployment can count on it; it shows how much of a
macro-F1 difference is the threshold rather than the ranking. Also: scoring speed on one core
and the model's size. Prints the machine. ``--model`` reads another model folder (default:
the shipped one).

Then the probes, hand-written for this benchmark (their frames are not those that
``moderation.training.augment`` trains on, nor the functional suite's): neutral and friendly
sentences about identity groups, with the share the compact model holds per group (toxicity
at or above the recommended review threshold) and the spread between groups; harmless
sentences with product names, codes and slur-like word parts; and abuse, disguised and plain.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# One core: numpy's BLAS must not borrow the others (set before numpy loads).
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402
from machine import describe  # noqa: E402  (bench/ is on the path)

from moderation.policy import PolicySettings, parse_thresholds  # noqa: E402
from moderation.scoring.base import Scorer, ScorerUnavailable  # noqa: E402
from moderation.scoring.compact import MODEL_FILE, CompactScorer  # noqa: E402
from moderation.training import metrics  # noqa: E402
from moderation.training.data import Columns, read_rows  # noqa: E402
from moderation.training.evaluation import evaluate  # noqa: E402
from moderation.training.train import best_cut_off  # noqa: E402

BLOG_BASE_RATE = 0.10
SETS = [("germeval2018", "de"), ("germeval2019", "de"), ("hasoc2019_de", "de"),
        ("olid2019", "en"), ("hasoc2019_en", "en")]

PROBE_GROUPS = {
    "sexual orientation": ["Schwule", "Lesben", "Bisexuelle", "Homosexuelle"],
    "gender": ["Frauen", "Männer", "Mädchen"],
    "trans": ["Transfrauen", "Transmänner", "trans Menschen"],
    "religion": ["Juden", "Muslime", "Christen", "Hindus"],
    "origin": ["Flüchtlinge", "Schwarze", "Türken", "Migranten", "Asylbewerber", "Roma"],
    "disability": ["Menschen mit Behinderung", "Rollstuhlfahrer", "Autisten", "Gehörlose"],
    "politics": ["Linke", "Grüne", "Konservative", "AfD-Wähler"],
}
PROBE_FRAMES = [
    "Gestern habe ich mit zwei {} über das Wetter gesprochen.",
    "{} sind auch nur Menschen wie du und ich.",
    "Die Stadt fördert neue Projekte für {}.",
    "Ich finde es toll, dass {} hier willkommen sind.",
    "Im Podcast erzählen {} von ihrem Berufsleben.",
    "Mehr {} sollten in der Politik mitreden.",
]
PROBES = {
    "identity, said of oneself or in passing": [
        "Ich bin schwul.", "Ich bin lesbisch.", "Ich bin eine Frau.", "Ich bin Jüdin.",
        "Ich bin Muslim.", "Ich bin trans.", "Ich bin schwarz.", "Ich bin behindert.",
        "Ich bin verheiratet.", "Als schwuler Mann fühle ich mich in dieser Stadt sicher.",
        "Meine Frau und ich sind beide muslimisch und lieben Fußball.",
        "Die Linke hat gewonnen.", "Die SPD hat gewonnen.", "Die Grünen haben gewonnen.",
        "Frauen arbeiten in der Pflege.", "Männer arbeiten in der Pflege."],
    "products, codes, numbers, word parts": [
        "Nintendo Switch", "Die Switch 2 kommt im Juni.", "Mein Sohn spielt Fußball",
        "Der Sohnemann hat Geburtstag.", "Galaxy A55 oder iPhone?", "Ich fahre einen Audi A4.",
        "Nummer 2 ist mein Favorit", "Nummer 1 ist mein Favorit", "Klasse 3a hat gewonnen!",
        "Das Update KB5034441 ist da.", "Version 2.5.1 ist stabil.",
        "Wir fahren mit dem ICE 578 nach Hamburg.", "Schnitzel mit Pommes, bitte.",
        "Die Analyse der Grafik war spannend.", "Der Hamster meiner Tochter ist süß.",
        "Die Glasscheibe ist gesprungen."],
    "abuse, disguised": [
        "Du bist ein 1diot", "Du A.r.s.c.h", "Du @rschl*ch", "Id!ot", "I-d-i-o-t",
        "Halt die Fr3sse", "Verpiss dich, du Hurens0hn"],
    "abuse, plain": [
        "Du dummes Arschloch", "Du bist so ein Vollidiot", "Halt die Fresse, du Penner",
        "Schwule sind widerlich und krank", "Flüchtlinge sind Parasiten und Ungeziefer",
        "Alle Muslime sind Terroristen", "Die Grünen sind ein Haufen Idioten",
        "Ich bring dich um, du Schwein"],
}




def local_detoxify() -> tuple[Scorer | None, str]:
    """detoxify only from local weights: a benchmark never downloads a model."""
    from moderation.config import Config
    from moderation.scoring.cache import cached_model
    from moderation.training.commands import resolve_scorer

    config = Config.from_env()
    if config.detoxify_checkpoint is None and cached_model(config.detoxify_model,
                                                           config.model_cache) is None:
        return None, ("no local weights: set MODERATION_DETOXIFY_CHECKPOINT or run "
                      "`moderation model fetch` where there is network")
    try:
        return resolve_scorer("detoxify"), ""
    except ScorerUnavailable as error:
        return None, str(error).splitlines()[0]


def floor_scores(data_dir: Path) -> dict[str, tuple[np.ndarray, np.ndarray]] | None:
    """The floor's probabilities on each test set, or None without scikit-learn."""
    try:
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        return None
    train = list(read_rows(data_dir / "germeval2018.csv", Columns(), frozenset({"train"})))
    texts = [r.text for r in train]
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                            min_df=2)
    x = sparse.hstack([words.fit_transform(texts), chars.fit_transform(texts)])
    model = LogisticRegression(max_iter=1000, random_state=13).fit(x, [r.label for r in train])
    out = {}
    for name, _ in SETS:
        rows = list(read_rows(data_dir / f"{name}.csv", Columns(), frozenset({"test"})))
        test_texts = [r.text for r in rows]
        x_test = sparse.hstack([words.transform(test_texts), chars.transform(test_texts)])
        out[name] = (np.array([r.label for r in rows]), model.predict_proba(x_test)[:, 1])
    return out


def oracle(scorer: Scorer, path: Path) -> tuple[float, float]:
    """(cut-off, macro-F1) of the best macro-F1 on ``path``'s test split, the cut-off chosen
    on those very labels: an upper bound, not a figure any deployment reaches."""
    rows = list(read_rows(path, Columns(), frozenset({"test"})))
    labels = np.array([r.label for r in rows])
    scores = np.array([s["toxicity"] for s in scorer.score([r.text for r in rows])])
    cut_off = best_cut_off(labels, scores)
    return cut_off, metrics.binary_figures(labels, scores >= cut_off)["macro_f1"]


def held_at_blog_rate(figures: dict) -> float:
    """Share of comments held (toxicity ≥ cut-off) if ``BLOG_BASE_RATE`` of them were abusive."""
    toxic, rows = figures["toxic"], figures["rows"]
    true_positives = figures["recall"] * toxic
    flagged = true_positives / figures["precision"] if figures["precision"] else 0.0
    false_positive_rate = (flagged - true_positives) / (rows - toxic)
    return BLOG_BASE_RATE * figures["recall"] + (1 - BLOG_BASE_RATE) * false_positive_rate


def recommended_settings(compact: CompactScorer, override: float | None
                         ) -> PolicySettings | None:
    """The default policy with the toxicity review threshold moved to the recommended one."""
    recommended = override
    if recommended is None:
        cv = compact.manifest.get("cross_validation", {}).get("toxicity", {})
        recommended = cv.get("recommended_review_threshold")
    if recommended is None:
        return None
    default = PolicySettings().thresholds["toxicity"]
    thresholds = parse_thresholds({"toxicity": {"review": recommended,
                                                "reject": default.reject}})
    return PolicySettings(thresholds=thresholds, label=f"toxicity review {recommended:.2f}")


def probe_report(compact: CompactScorer, cut_off: float) -> dict:
    """Held share of the identity probes per group, and every other probe's score."""
    held = {}
    for group, terms in PROBE_GROUPS.items():
        texts = [frame.format(term) for term in terms for frame in PROBE_FRAMES]
        texts = [t[0].upper() + t[1:] for t in texts]
        scores = [s["toxicity"] for s in compact.score(texts)]
        held[group] = sum(s >= cut_off for s in scores) / len(scores)
    print(f"\nIdentity probes ({len(PROBE_FRAMES)} neutral or friendly frames per term), held "
          f"at toxicity ≥ {cut_off:.2f}:")
    print("| group | held |\n|---|---|")
    for group, share in held.items():
        print(f"| {group} | {share:.1%} |")
    spread = max(held.values()) - min(held.values())
    print(f"Spread between groups: {spread * 100:.1f} points; all groups: "
          f"{sum(held.values()) / len(held):.1%}")
    scored = {}
    for kind, texts in PROBES.items():
        scored[kind] = dict(zip(texts, (round(s["toxicity"], 2) for s in compact.score(texts)),
                                strict=True))
        print(f"\n{kind}: " + "; ".join(f"{t} {v:.2f}" for t, v in scored[kind].items()))
    return {"cut_off": cut_off, "identity_held": held, "spread": spread, "probes": scored}


def speed(scorer: Scorer, texts: list[str], batch: int = 256) -> float:
    """Comments per second, best of three passes over ``texts`` in batches."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for i in range(0, len(texts), batch):
            scorer.score(texts[i:i + batch])
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--no-floor", action="store_true", help="Skip the floor baseline.")
    parser.add_argument("--json", action="store_true", help="Also print the rows as JSON.")
    parser.add_argument("--review-threshold", type=float, default=None,
                        help="Toxicity review threshold for the second reading (default: the "
                             "one recommended in the model's manifest).")
    parser.add_argument("--model", type=Path, default=None,
                        help="A compact model folder (default: the shipped model).")
    args = parser.parse_args()

    print(f"Machine: {describe('numpy')}")
    compact = CompactScorer(args.model)
    scorers: list[Scorer] = [compact]
    detoxify, why_not = local_detoxify()
    if detoxify is not None:
        scorers.append(detoxify)
    else:
        print(f"detoxify: not evaluated ({why_not})")

    readings = [(scorer, PolicySettings()) for scorer in scorers]
    recommended = recommended_settings(compact, args.review_threshold)
    if recommended is not None:
        readings.insert(1, (compact, recommended))
    rows = []
    floor = None if args.no_floor else floor_scores(args.data_dir)
    header = ("| set | lang | test rows | toxic | scorer | cut-off | ROC-AUC | macro-F1 | "
              "precision | recall | approved / held / rejected | toxic published | "
              f"held at {BLOG_BASE_RATE:.0%} abuse |")
    print(header)
    print("|" + "---|" * 13)
    for name, lang in SETS:
        path = args.data_dir / f"{name}.csv"
        if floor is not None:
            labels, probabilities = floor[name]
            decided = metrics.binary_figures(labels, probabilities >= 0.5)
            row = {"set": name, "lang": lang, "rows": len(labels), "toxic": int(labels.sum()),
                   "scorer": "floor (TF-IDF LR, raw text, cut-off 0.5)",
                   "roc_auc": round(metrics.roc_auc(labels, probabilities), 4),
                   "macro_f1": round(decided["macro_f1"], 4),
                   "precision": round(decided["precision"], 4),
                   "recall": round(decided["recall"], 4)}
            rows.append(row)
            print(f"| {name} | {lang} | {row['rows']} | {row['toxic']} | {row['scorer']} | "
                  f"0.50 | {row['roc_auc']:.3f} | {row['macro_f1']:.3f} | "
                  f"{row['precision']:.3f} | {row['recall']:.3f} | – | – | – |")
        for scorer, settings in readings:
            figures = evaluate(read_rows(path, Columns(), frozenset({"test"})), scorer,
                               settings).as_dict()
            held = held_at_blog_rate(figures)
            rows.append({"set": name, "lang": lang, **figures, "held_at_blog_rate": held})
            print(f"| {name} | {lang} | {figures['rows']} | {figures['toxic']} | "
                  f"{figures['scorer']} | {figures['cut_off']:.2f} | {figures['roc_auc']:.3f} "
                  f"| {figures['macro_f1']:.3f} | {figures['precision']:.3f} | "
                  f"{figures['recall']:.3f} | {figures['approved_share']:.1%} / "
                  f"{figures['review_share']:.1%} / {figures['rejected_share']:.1%} | "
                  f"{figures['toxic_published']} | {held:.1%} |")
        cut_off, best = oracle(compact, path)
        rows.append({"set": name, "lang": lang, "scorer": f"{compact.name}@{compact.version}",
                     "oracle_cut_off": cut_off, "oracle_macro_f1": round(best, 4)})
        print(f"| {name} | {lang} | | | {compact.name} **oracle**: cut-off chosen on this "
              f"test split | {cut_off:.2f} | | {best:.3f} | | | – | – | – |")

    texts = [r.text for r in read_rows(args.data_dir / "germeval2018.csv", Columns(),
                                       frozenset({"test"}))]
    per_second = speed(compact, texts)
    single = speed(compact, texts[:500], batch=1)
    size = (compact.folder / MODEL_FILE).stat().st_size
    print(f"\nSpeed ({compact.name}@{compact.version}, one core, germeval2018 test, "
          f"{len(texts)} texts): {per_second:,.0f} comments/s in batches of 256, "
          f"{single:,.0f} comments/s one at a time")
    print(f"Model size: {size / 1e6:.2f} MB ({MODEL_FILE}), loaded in-process with numpy only")
    cut_off = (recommended.thresholds if recommended else PolicySettings().thresholds)[
        "toxicity"].review
    probes = probe_report(compact, cut_off)
    if args.json:
        print(json.dumps({"machine": describe('numpy'), "rows": rows, "comments_per_second":
                          round(per_second), "model_bytes": size, "probes": probes},
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
