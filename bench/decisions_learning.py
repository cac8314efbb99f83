"""Learning from editors' decisions (issue 14): a simulated site that starts from the shipped
compact model and retrains on its editors' decisions, batch after batch.

Method. A fresh database (SQLite in a temporary folder by default; with ``--database-url`` a
database ``moderation_bench_decisions`` made on that PostgreSQL server and dropped
afterwards) is migrated and served by the real app (``create_app``, Flask's test client, rate
limits off, no scoring worker: comments wait as pending). An editor key is made. Another
labelled German set stands in for the site: GermEval 2019's ``train`` rows, shuffled with a
fixed seed, are its readers' comments and their labels its editors' decisions, and its
``test`` rows measure the models (GermEval 2019 is evaluation-only data: it trains nothing but
this benchmark's throw-away models, which are deleted with the temporary folder).

First the starting models are evaluated on the test split. Then, per batch of ``--batch``
rows, each row is posted to ``POST /v1/articles/<key>/comments`` and the editor approves
(label 0) or rejects (label 1) it through ``POST /v1/moderation/comments/<id>/approve|reject``;
then, in process (click's runner, the site's database, model store and cache in the
environment), each line retrains on all decisions so far (``--holdout`` newest held out) and
its new model is evaluated on the test split:

- lexical (``--lexical``): ``moderation model train --from-decisions`` on the shipped model's
  base data and parameters (germeval2018 + davidson2017 + generated rows), which installs its
  model as the candidate; evaluated as ``CompactScorer``;
- tiny transformer (``--transformer``): ``moderation model finetune --from-decisions`` from a
  2-layer BERT with random weights and a WordPiece tokenizer learnt from the site's train
  texts (``tiny_transformer``), one epoch on the CPU; evaluated as ``TransformerScorer``, the
  way the service scores with a fetched checkpoint. Nothing in it was pre-trained: its
  figures show that the path works, not what a real checkpoint would reach.

ROC-AUC and macro-F1 (at the policy's review threshold) against the number of decisions are
printed as tables; ROC-AUC is drawn as an SVG and rendered to PNG by Chromium.

    .venv/bin/python bench/decisions_learning.py --data-dir /work/shared/data \\
        [--batches 8] [--batch 500] [--decisions-weight W] [--no-lexical] [--no-transformer] \\
        [--database-url postgresql+psycopg://…]

Prints the machine, the starting figures, one line per batch and line, and the tables.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import math
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from machine import describe  # noqa: E402  (bench/ is on the path)
from scratch_db import drop_postgres, make_postgres  # noqa: E402

from moderation import create_app, migrate  # noqa: E402
from moderation.config import Config  # noqa: E402
from moderation.db import Database  # noqa: E402
from moderation.domain import Role  # noqa: E402
from moderation.scoring.compact import CompactScorer  # noqa: E402
from moderation.services import keys  # noqa: E402
from moderation.training.commands import train  # noqa: E402
from moderation.training.data import Columns, LabelledText, read_rows  # noqa: E402
from moderation.training.evaluation import CATEGORY, Evaluation, evaluate  # noqa: E402

if TYPE_CHECKING:
    from moderation.scoring.base import Scorer
    from moderation.scoring.transformer import TransformerScorer

BENCH_DATABASE = "moderation_bench_decisions"
SITE_FILE = "germeval2019.csv"
# The shipped model's training (its manifest's "command"), less --data and --component.
SHIPPED_PARAMETERS = [
    "--text-column", "text", "--label-column", "label", "--split-column", "split",
    "--fine-label-column", "fine_label", "--train-split", "train", "--train-split", "all",
    "--seed", "13", "--folds", "5", "--file-weight", "davidson2017.csv=0.3",
    "--file-weight", "augment=0.3", "--match-base-rate", "--char-ngrams", "2-5",
    "--char-scope", "word", "--mask-groups", "--evaluative", "--word-ngrams", "1-2",
    "--min-df", "2", "--max-char-features", "300000", "--max-word-features", "100000",
    "--augment", "identity", "--augment", "everyday", "--augment", "evaluative"]
SHIPPED_COMPONENTS = ("nbsvm:char:4", "nbsvm:word:4", "lr:all:16")
# The tiny transformer's fine-tuning: cheap enough for a few minutes a batch on two cores.
TINY_MAX_LENGTH = 64
TINY_EPOCHS = 1


@dataclass(frozen=True)
class Round:
    """One retraining: after ``decisions`` decisions, ``trained_on`` of them in its training.

    ``held_out`` is the command's own judgement on the newest decisions: for ``train`` the
    manifest's candidate and current model, for ``finetune`` its report's before and after."""

    decisions: int
    trained_on: int
    held_out: dict
    test: Evaluation
    train_seconds: float


@dataclass(frozen=True)
class Line:
    """One model's rounds, from the model it started with."""

    start: Evaluation
    rounds: list[Round]


def fresh_database(server_url: str | None, folder: Path) -> str:
    if server_url is None:
        return f"sqlite:///{folder / 'site.db'}"
    return make_postgres(server_url, BENCH_DATABASE)


def editor_key(database_url: str) -> str:
    with Database(database_url) as database, database.transaction() as session:
        return keys.create_key(session, "redaktion-bench", Role.EDITOR, datetime.now(UTC)).secret


def decide_batch(client, secret: str, rows: list[LabelledText], first: int) -> int:
    """Post each row as a reader's comment, then decide it as the editor; returns how many
    were decided (a text the API refuses is skipped)."""
    editor = {"Authorization": f"Bearer {secret}"}
    decided = 0
    for n, row in enumerate(rows, start=first):
        posted = client.post(f"/v1/articles/artikel-{n % 40}/comments",
                             json={"author_name": f"Leserin {n}", "body": row.text})
        if posted.status_code != 202:
            print(f"  comment {n} refused: {posted.status_code} {posted.get_json()}", flush=True)
            continue
        comment_id = posted.get_json()["id"]
        action, body = ("reject", {"reason": "Verstößt gegen unsere Kommentarrichtlinien."}) \
            if row.label else ("approve", {})
        answer = client.post(f"/v1/moderation/comments/{comment_id}/{action}", json=body,
                             headers=editor)
        assert answer.status_code == 200, (answer.status_code, answer.get_json())
        decided += 1
    return decided


def retrain(data_dir: Path, out: Path, environment: dict[str, str],
            components: tuple[str, ...], decisions_weight: float | None,
            holdout: float) -> tuple[int, dict, float]:
    """``moderation model train --from-decisions`` as an admin would run it: returns how many
    decisions it trained on, its held-out figures and its seconds."""
    arguments = ["--from-decisions", "--holdout", str(holdout),
                 "--data", str(data_dir / "germeval2018.csv"),
                 "--data", str(data_dir / "davidson2017.csv"), *SHIPPED_PARAMETERS,
                 *(f"--component={c}" for c in components), "--out", str(out)]
    if decisions_weight is not None:
        arguments += ["--decisions-weight", str(decisions_weight)]
    started = time.perf_counter()
    result = CliRunner().invoke(train, arguments, env=environment, catch_exceptions=False)
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"training failed ({result.exit_code}):\n{result.output}")
    figures = json.loads((out / "manifest.json").read_text())["held_out_decisions"]
    return figures["rows"], figures, seconds


def finetune_tiny(base: Path, out: Path, environment: dict[str, str], holdout: float,
                  learning_rate: float) -> tuple[dict, float]:
    """``moderation model finetune --from-decisions`` from the tiny checkpoint ``base`` on the
    CPU: returns its report (``finetune.json``) and its seconds. Whether the command also
    installs its checkpoint in the model store, it does so in the bench's temporary one."""
    from tiny_transformer import POSITIVE_LABEL

    from moderation.training.finetune_command import finetune

    arguments = ["--base", str(base), "--positive-label", POSITIVE_LABEL, "--from-decisions",
                 "--holdout", str(holdout), "--out", str(out), "--epochs", str(TINY_EPOCHS),
                 "--max-length", str(TINY_MAX_LENGTH), "--learning-rate", str(learning_rate),
                 "--device", "cpu"]
    started = time.perf_counter()
    result = CliRunner().invoke(finetune, arguments, env=environment, catch_exceptions=False)
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"fine-tuning failed ({result.exit_code}):\n{result.output}")
    return json.loads((out / "finetune.json").read_text()), seconds


def tiny_scorer(folder: Path) -> TransformerScorer:
    """The checkpoint in ``folder`` as the service scores with it: its positive output as
    ``toxicity``, a softmax over the two."""
    from tiny_transformer import LABELS, POSITIVE_LABEL

    from moderation.scoring.transformer import TransformerScorer

    positive = next(i for i, name in LABELS.items() if name == POSITIVE_LABEL)
    return TransformerScorer(folder, {CATEGORY: positive}, "softmax",
                             name=f"tiny-bench-{folder.name}", device="cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/work/shared/data"),
                        help="folder with germeval2018.csv, davidson2017.csv, germeval2019.csv")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (a bench database is made on it)")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--batches", type=int, default=None, help="default: every train row")
    parser.add_argument("--seed", type=int, default=13, help="shuffle of the site's rows")
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--lexical", action=argparse.BooleanOptionalAction, default=True,
                        help="retrain the compact model (model train)")
    parser.add_argument("--decisions-weight", type=float, default=None)
    parser.add_argument("--component", dest="components", action="append", default=None,
                        help=f"default: the shipped model's {', '.join(SHIPPED_COMPONENTS)}")
    parser.add_argument("--transformer", action=argparse.BooleanOptionalAction, default=True,
                        help="fine-tune a tiny random-init transformer (model finetune)")
    parser.add_argument("--learning-rate", type=float, default=1e-3,
                        help="the tiny transformer's (it starts from random weights)")
    parser.add_argument("--png", type=Path, default=ROOT / "bench/decisions_learning.png")
    args = parser.parse_args()
    if not (args.lexical or args.transformer):
        parser.error("nothing to measure: --no-lexical and --no-transformer")
    args.components = tuple(args.components or SHIPPED_COMPONENTS)
    # Warnings only: the app logs every request (500 a batch) where no one set logging up.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    libraries = ("scikit-learn", "numpy", "flask", "sqlalchemy") + (
        ("torch", "transformers", "tokenizers") if args.transformer else ())
    print(f"machine: {describe(*libraries)}", flush=True)
    site = args.data_dir / SITE_FILE
    test_rows = list(read_rows(site, Columns(), frozenset({"test"})))
    train_rows = list(read_rows(site, Columns(), frozenset({"train"})))
    random.Random(args.seed).shuffle(train_rows)
    batches = [train_rows[i:i + args.batch] for i in range(0, len(train_rows), args.batch)]
    batches = batches[:args.batches] if args.batches else batches
    print(f"site: {SITE_FILE}, {len(train_rows)} train rows ({sum(r.label for r in train_rows)} "
          f"offensive) in {len(batches)} batches of {args.batch}, {len(test_rows)} test rows; "
          f"holdout {args.holdout}", flush=True)
    if args.lexical:
        print(f"lexical: components {' '.join(args.components)}, decisions weight "
              f"{args.decisions_weight or 'default'}", flush=True)
    if args.transformer:
        print(f"tiny transformer: random init, {TINY_EPOCHS} epoch(s), max length "
              f"{TINY_MAX_LENGTH}, learning rate {args.learning_rate}, CPU", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        database_url = fresh_database(args.database_url, folder)
        try:
            lines = simulate(database_url, folder, batches, train_rows, test_rows, args)
        finally:
            if args.database_url is not None:
                drop_postgres(args.database_url, BENCH_DATABASE)
    for title, line in lines.items():
        print(f"\n{title}:{table(line)}")
    print(f"\nrun time: {(time.perf_counter() - started) / 60:.1f} min", flush=True)
    args.png.write_bytes(render_png(plot_svg(lines)))
    print(f"plot: {args.png}")


LEXICAL, TINY = "lexical (compact-de)", "tiny random-init transformer, mechanics only"


def simulate(database_url: str, folder: Path, batches: list[list[LabelledText]],
             train_rows: list[LabelledText], test_rows: list[LabelledText],
             args: argparse.Namespace) -> dict[str, Line]:
    migrate.upgrade(database_url)
    secret = editor_key(database_url)
    app = create_app(Config(database_url=database_url, instance_path=folder,
                            embedded_worker=False, rate_limits_enabled=False,
                            session_cookie_secure=False))
    client = app.test_client()
    # What `moderation model train/finetune` read: this site's database, its model store and
    # cache, and the shipped compact model as the one scoring now.
    environment = {"MODERATION_DATABASE_URL": database_url,
                   "MODERATION_MODEL_STORE": str(folder / "store"),
                   "MODERATION_MODEL_CACHE": str(folder / "cache"),
                   "MODERATION_SCORER": "compact"}
    lines: dict[str, Line] = {}
    if args.lexical:
        lines[LEXICAL] = Line(_evaluated(LEXICAL, "shipped model", test_rows, CompactScorer()),
                              [])
    if args.transformer:
        from tiny_transformer import build_checkpoint
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # one bar per load and save otherwise
        tiny = build_checkpoint(folder / "tiny-base", (row.text for row in train_rows))
        lines[TINY] = Line(_evaluated(TINY, "random weights", test_rows, tiny_scorer(tiny)),
                           [])
    decided = 0
    for number, batch in enumerate(batches, start=1):
        started = time.perf_counter()
        decided += decide_batch(client, secret, batch, decided)
        print(f"batch {number}: {decided} decisions "
              f"({time.perf_counter() - started:.0f} s through the API)", flush=True)
        if args.lexical:
            out = folder / f"model-{number}"
            held, figures, seconds = retrain(args.data_dir, out, environment, args.components,
                                             args.decisions_weight, args.holdout)
            result = evaluate(test_rows, CompactScorer(out))
            lines[LEXICAL].rounds.append(Round(decided, decided - held, figures, result,
                                               seconds))
            print(f"  lexical: trained on {decided - held} in {seconds:.0f} s; test ROC-AUC "
                  f"{result.roc_auc:.4f}, macro-F1 {result.macro_f1:.4f}; held-out {held}: "
                  f"candidate ROC-AUC {figures['candidate']['roc_auc']}, shipped "
                  f"{figures['current']['roc_auc']}", flush=True)
        if args.transformer:
            out = folder / f"tiny-{number}"
            report, seconds = finetune_tiny(tiny, out, environment, args.holdout,
                                            args.learning_rate)
            result = evaluate(test_rows, tiny_scorer(out))
            lines[TINY].rounds.append(Round(decided, report["train_rows"], report["test"],
                                            result, seconds))
            print(f"  tiny transformer: trained on {report['train_rows']} in {seconds:.0f} s "
                  f"(loss {report['losses']}); test ROC-AUC {result.roc_auc:.4f}, macro-F1 "
                  f"{result.macro_f1:.4f}; held-out: before "
                  f"{_auc(report['test']['before'])}, after {_auc(report['test']['after'])}",
                  flush=True)
    app.extensions["moderation"].database.dispose()
    return lines


def _evaluated(title: str, what: str, rows: list[LabelledText], scorer: Scorer
               ) -> Evaluation:
    result = evaluate(rows, scorer)
    print(f"{title}, {what}, on the test split: ROC-AUC {result.roc_auc:.4f}, macro-F1 "
          f"{result.macro_f1:.4f} at {result.cut_off}", flush=True)
    return result


def _auc(figures: dict | None) -> str:
    return "–" if figures is None else str(figures["roc_auc"])


def table(line: Line) -> str:
    """The line's rounds as a Markdown table; the held-out columns name the models compared."""
    tuned = "before" in (line.rounds[0].held_out if line.rounds else {})
    new, old = ("after", "before") if tuned else ("candidate", "current")
    other = "random init" if tuned else "shipped"
    start = "0 (random init)" if tuned else "0 (shipped)"
    lines = ["", f"| decisions | trained on | test ROC-AUC | test macro-F1 | held-out n | "
             f"held-out ROC-AUC new / {other} | held-out macro-F1 new / {other} | train s |",
             "|---|---|---|---|---|---|---|---|",
             f"| {start} | – | {line.start.roc_auc:.4f} | {line.start.macro_f1:.4f} | – | – "
             "| – | – |"]
    for r in line.rounds:
        after, before = r.held_out[new], r.held_out[old]
        lines.append(
            f"| {r.decisions:,} | {r.trained_on:,} | {r.test.roc_auc:.4f} | "
            f"{r.test.macro_f1:.4f} | {after['rows']} | {after['roc_auc']} / "
            f"{before['roc_auc']} | {after['macro_f1']} / {before['macro_f1']} | "
            f"{r.train_seconds:.0f} |")
    return "\n".join(lines)


WIDTH, HEIGHT = 960, 540
LEFT, RIGHT, TOP, BOTTOM = 80, 300, 60, 70
# Each line's colour and legend (one entry per legend row).
STYLES = {LEXICAL: ("#1f5fa8", ("compact-de (lexikalisch),", "neu trainiert")),
          TINY: ("#c2571a", ("Tiny-Transformer, zufällig", "initialisiert: nur Mechanik,",
                             "keine Modellqualität"))}
START_LEGEND = {LEXICAL: "ausgeliefertes Modell", TINY: "zufällige Gewichte"}


def plot_svg(lines: dict[str, Line]) -> str:
    """ROC-AUC of each line against the number of decisions; its start as a dashed line."""
    values = [v for line in lines.values()
              for v in [line.start.roc_auc] + [r.test.roc_auc for r in line.rounds]]
    low, high = _floor(min(values) - 0.01), _ceil(max(values) + 0.01)
    x_max = max([r.decisions for line in lines.values() for r in line.rounds], default=1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(value: float) -> float:
        return LEFT + plot_w * value / x_max

    def y(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             'font-family="DejaVu Sans, sans-serif" font-size="13">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
             f'<text x="{LEFT}" y="28" font-size="16" font-weight="bold">Lernen aus den '
             'Entscheidungen der Redaktion: ROC-AUC auf GermEval 2019 (test)</text>']
    tick = 0.02 if high - low <= 0.2 else 0.05
    for k in range(math.ceil(low / tick - 1e-6), math.floor(high / tick + 1e-6) + 1):
        value = k * tick
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" '
                     f'y2="{y(value):.1f}" stroke="#e3e3e3"/>'
                     f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">'
                     f'{value:.2f}</text>')
    step = 500 if x_max <= 5000 else 1000
    for n in range(0, x_max + 1, step):
        german = f"{n:,}".replace(",", ".")
        parts.append(f'<line x1="{x(n):.1f}" x2="{x(n):.1f}" y1="{TOP + plot_h}" '
                     f'y2="{TOP + plot_h + 5}" stroke="black"/>'
                     f'<text x="{x(n):.1f}" y="{TOP + plot_h + 20}" text-anchor="middle">'
                     f'{german}</text>')
    parts += [f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
              'stroke="black"/>',
              f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 20}" text-anchor="middle">'
              'Entscheidungen der Redaktion (Freigaben und Ablehnungen)</text>',
              f'<text transform="translate(22 {TOP + plot_h / 2}) rotate(-90)" '
              'text-anchor="middle">ROC-AUC auf dem Testteil</text>']
    legend_x, legend_y = LEFT + plot_w + 18, TOP + 10
    for title, line in lines.items():
        colour, legend = STYLES[title]
        points = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in
                          [(0, line.start.roc_auc)] +
                          [(r.decisions, r.test.roc_auc) for r in line.rounds])
        start = y(line.start.roc_auc)
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{start:.1f}" '
                     f'y2="{start:.1f}" stroke="{colour}" stroke-dasharray="6 5" '
                     'stroke-width="1.5"/>')
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     'stroke-width="2.5"/>')
        parts += [f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="4" '
                  f'fill="{colour}"/>' for p in points.split()]
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 28}" y1="{legend_y}" '
                     f'y2="{legend_y}" stroke="{colour}" stroke-width="2.5"/>')
        for row, words in enumerate(legend):
            parts.append(f'<text x="{legend_x + 36}" y="{legend_y + 4 + 17 * row}">'
                         f'{html.escape(words)}</text>')
        legend_y += 17 * len(legend) + 8
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 28}" y1="{legend_y}" '
                     f'y2="{legend_y}" stroke="{colour}" stroke-dasharray="6 5" '
                     f'stroke-width="1.5"/><text x="{legend_x + 36}" y="{legend_y + 4}">'
                     f'{html.escape(START_LEGEND[title])}</text>')
        legend_y += 40
    parts.append("</svg>")
    return "".join(parts)


def _floor(value: float) -> float:
    return math.floor(value * 50) / 50


def _ceil(value: float) -> float:
    return math.ceil(value * 50) / 50


def render_png(svg: str) -> bytes:
    """The SVG drawn by Chromium (no plotting library in the project)."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("MODERATION_TEST_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True,
            args=["--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-domain-reliability", "--no-first-run",
                  "--disable-gpu"])
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.set_content(f'<html><body style="margin:0">{svg}</body></html>')
        png = page.locator("svg").screenshot()
        browser.close()
    return png


if __name__ == "__main__":
    main()
