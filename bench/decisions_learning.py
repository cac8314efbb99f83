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

First the shipped model is evaluated on the test split. Then, per batch of ``--batch``
rows, each row is posted to ``POST /v1/articles/<key>/comments`` and the editor approves
(label 0) or rejects (label 1) it through ``POST /v1/moderation/comments/<id>/approve|reject``;
then ``moderation model train --from-decisions`` runs (in process, on the shipped model's
base data and parameters: germeval2018 + davidson2017 + generated rows; ``--holdout``
newest decisions held out) and installs its model as the candidate, and that model is
evaluated on the test split. ROC-AUC and macro-F1 (at the policy's review threshold) against
the number of decisions are drawn as an SVG and rendered to PNG by Chromium.

    .venv/bin/python bench/decisions_learning.py --data-dir /work/shared/data \\
        [--batches 8] [--batch 500] [--decisions-weight W] [--database-url postgresql+psycopg://…]

Prints the machine, the baseline, one line per batch and the table.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from machine import describe  # noqa: E402  (bench/ is on the path)
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from moderation import create_app, migrate  # noqa: E402
from moderation.config import Config  # noqa: E402
from moderation.db import Database  # noqa: E402
from moderation.domain import Role  # noqa: E402
from moderation.scoring.compact import CompactScorer  # noqa: E402
from moderation.services import keys  # noqa: E402
from moderation.training.commands import train  # noqa: E402
from moderation.training.data import Columns, LabelledText, read_rows  # noqa: E402
from moderation.training.evaluation import Evaluation, evaluate  # noqa: E402

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


@dataclass(frozen=True)
class Round:
    """One retraining: after ``decisions`` decisions, ``trained_on`` of them in its training."""

    decisions: int
    trained_on: int
    held_out: dict
    test: Evaluation
    train_seconds: float


def fresh_database(server_url: str | None, folder: Path) -> str:
    if server_url is None:
        return f"sqlite:///{folder / 'site.db'}"
    _on_server(server_url, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)',
               f'CREATE DATABASE "{BENCH_DATABASE}"')
    return make_url(server_url).set(database=BENCH_DATABASE).render_as_string(
        hide_password=False)


def _on_server(server_url: str, *statements: str) -> None:
    admin = create_engine(make_url(server_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    admin.dispose()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/work/shared/data"),
                        help="folder with germeval2018.csv, davidson2017.csv, germeval2019.csv")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (a bench database is made on it)")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--batches", type=int, default=None, help="default: every train row")
    parser.add_argument("--seed", type=int, default=13, help="shuffle of the site's rows")
    parser.add_argument("--decisions-weight", type=float, default=None)
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--component", dest="components", action="append", default=None,
                        help=f"default: the shipped model's {', '.join(SHIPPED_COMPONENTS)}")
    parser.add_argument("--png", type=Path, default=ROOT / "bench/decisions_learning.png")
    args = parser.parse_args()
    components = tuple(args.components or SHIPPED_COMPONENTS)
    print(f"machine: {describe('scikit-learn', 'numpy', 'flask', 'sqlalchemy')}", flush=True)
    site = args.data_dir / SITE_FILE
    test_rows = list(read_rows(site, Columns(), frozenset({"test"})))
    train_rows = list(read_rows(site, Columns(), frozenset({"train"})))
    random.Random(args.seed).shuffle(train_rows)
    batches = [train_rows[i:i + args.batch] for i in range(0, len(train_rows), args.batch)]
    batches = batches[:args.batches] if args.batches else batches
    print(f"site: {SITE_FILE}, {len(train_rows)} train rows ({sum(r.label for r in train_rows)} "
          f"offensive) in {len(batches)} batches of {args.batch}, {len(test_rows)} test rows; "
          f"components {' '.join(components)}, decisions weight "
          f"{args.decisions_weight or 'default'}, holdout {args.holdout}", flush=True)
    baseline = evaluate(test_rows, CompactScorer())
    print(f"shipped model on the test split: ROC-AUC {baseline.roc_auc:.4f}, macro-F1 "
          f"{baseline.macro_f1:.4f} at {baseline.cut_off}", flush=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        database_url = fresh_database(args.database_url, folder)
        try:
            rounds = simulate(database_url, folder, batches, test_rows, args, components)
        finally:
            if args.database_url is not None:
                _on_server(args.database_url,
                           f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
    print(table(baseline, rounds))
    args.png.write_bytes(render_png(plot_svg(baseline, rounds)))
    print(f"plot: {args.png}")


def simulate(database_url: str, folder: Path, batches: list[list[LabelledText]],
             test_rows: list[LabelledText], args: argparse.Namespace,
             components: tuple[str, ...]) -> list[Round]:
    migrate.upgrade(database_url)
    secret = editor_key(database_url)
    app = create_app(Config(database_url=database_url, instance_path=folder,
                            embedded_worker=False, rate_limits_enabled=False,
                            session_cookie_secure=False))
    client = app.test_client()
    # What `moderation model train` reads: this site's database, its model store, and the
    # shipped compact model as the one scoring now.
    environment = {"MODERATION_DATABASE_URL": database_url,
                   "MODERATION_MODEL_STORE": str(folder / "store"),
                   "MODERATION_MODEL_CACHE": str(folder / "cache"),
                   "MODERATION_SCORER": "compact"}
    rounds, decided = [], 0
    for number, batch in enumerate(batches, start=1):
        started = time.perf_counter()
        decided += decide_batch(client, secret, batch, decided)
        api_seconds = time.perf_counter() - started
        out = folder / f"model-{number}"
        held, figures, seconds = retrain(args.data_dir, out, environment, components,
                                         args.decisions_weight, args.holdout)
        trained_on = decided - held
        result = evaluate(test_rows, CompactScorer(out))
        rounds.append(Round(decided, trained_on, figures, result, seconds))
        print(f"batch {number}: {decided} decisions ({api_seconds:.0f} s through the API), "
              f"trained on {trained_on} in {seconds:.0f} s; test ROC-AUC {result.roc_auc:.4f}, "
              f"macro-F1 {result.macro_f1:.4f}; held-out {held}: candidate ROC-AUC "
              f"{figures['candidate']['roc_auc']}, shipped {figures['current']['roc_auc']}",
              flush=True)
    app.extensions["moderation"].database.dispose()
    return rounds


def table(baseline: Evaluation, rounds: list[Round]) -> str:
    lines = ["", "| decisions | trained on | test ROC-AUC | test macro-F1 | held-out n | "
             "held-out ROC-AUC new / shipped | held-out macro-F1 new / shipped | train s |",
             "|---|---|---|---|---|---|---|---|",
             f"| 0 (shipped) | – | {baseline.roc_auc:.4f} | {baseline.macro_f1:.4f} | – | – | – "
             "| – |"]
    for r in rounds:
        new, shipped = r.held_out["candidate"], r.held_out["current"]
        lines.append(
            f"| {r.decisions:,} | {r.trained_on:,} | {r.test.roc_auc:.4f} | "
            f"{r.test.macro_f1:.4f} | {r.held_out['rows']} | {new['roc_auc']} / "
            f"{shipped['roc_auc']} | {new['macro_f1']} / {shipped['macro_f1']} | "
            f"{r.train_seconds:.0f} |")
    return "\n".join(lines)


WIDTH, HEIGHT = 900, 540
LEFT, RIGHT, TOP, BOTTOM = 80, 240, 60, 70
SERIES = (("ROC-AUC", "roc_auc", "#1f5fa8"), ("Macro-F1 (Prüfschwelle)", "macro_f1", "#c2571a"))


def plot_svg(baseline: Evaluation, rounds: list[Round]) -> str:
    """Both figures against the number of decisions; the shipped model as dashed lines."""
    xs = [0] + [r.decisions for r in rounds]
    values = [getattr(baseline, key) for _, key, _ in SERIES] + [
        getattr(r.test, key) for r in rounds for _, key, _ in SERIES]
    low, high = _floor(min(values) - 0.01), _ceil(max(values) + 0.01)
    x_max = max(xs) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(value: float) -> float:
        return LEFT + plot_w * value / x_max

    def y(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             'font-family="DejaVu Sans, sans-serif" font-size="13">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
             f'<text x="{LEFT}" y="28" font-size="16" font-weight="bold">Lernen aus den '
             'Entscheidungen der Redaktion: GermEval 2019 (test), compact-de</text>']
    tick = 0.02 if high - low <= 0.2 else 0.05
    value = low
    while value <= high + 1e-9:
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" '
                     f'y2="{y(value):.1f}" stroke="#e3e3e3"/>'
                     f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">'
                     f'{value:.2f}</text>')
        value += tick
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
              'text-anchor="middle">Wert auf dem Testteil</text>']
    legend_y = TOP + 10
    for label, key, colour in SERIES:
        base = getattr(baseline, key)
        points = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in zip(
            xs, [base] + [getattr(r.test, key) for r in rounds], strict=True))
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(base):.1f}" '
                     f'y2="{y(base):.1f}" stroke="{colour}" stroke-dasharray="6 5" '
                     'stroke-width="1.5"/>')
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     'stroke-width="2.5"/>')
        parts += [f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="4" '
                  f'fill="{colour}"/>' for p in points.split()]
        legend_x = LEFT + plot_w + 18
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 28}" y1="{legend_y}" '
                     f'y2="{legend_y}" stroke="{colour}" stroke-width="2.5"/>'
                     f'<text x="{legend_x + 36}" y="{legend_y + 4}">{html.escape(label)}'
                     '</text>')
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 28}" y1="{legend_y + 22}" '
                     f'y2="{legend_y + 22}" stroke="{colour}" stroke-dasharray="6 5" '
                     f'stroke-width="1.5"/><text x="{legend_x + 36}" y="{legend_y + 26}">'
                     'ausgeliefertes Modell</text>')
        legend_y += 56
    parts.append(f'<text x="{LEFT + plot_w + 18}" y="{legend_y + 4}" font-size="11" '
                 'fill="#555">Transformer-Linie fehlt:</text>'
                 f'<text x="{LEFT + plot_w + 18}" y="{legend_y + 19}" font-size="11" '
                 'fill="#555">hier noch nicht gemessen</text>')
    parts.append("</svg>")
    return "".join(parts)


def _floor(value: float) -> float:
    return int(value * 50) / 50


def _ceil(value: float) -> float:
    return -int(-value * 50) / 50


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
