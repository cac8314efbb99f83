"""Click commands: ``train`` (to be registered as ``moderation model train``) and ``eval``
(``moderation eval``)."""

from __future__ import annotations

import json
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from moderation.policy import PolicySettings, parse_thresholds
from moderation.scoring.base import Scorer, ScorerUnavailable
from moderation.scoring.compact import CHAR_SCOPES
from moderation.training.augment import SETS as AUGMENT_SETS
from moderation.training.data import Columns, DataError, header, read_rows
from moderation.training.evaluation import Evaluation, evaluate, format_report
from moderation.training.params import DEFAULT_COMPONENTS, TrainParams

SCORERS = ("configured", "compact", "detoxify", "transformer", "combined")
# Evaluated by default where a file has a split column: rows no model was fit on.
EVAL_SPLIT = "test"


def _pair(raw: str, what: str) -> tuple[str, str]:
    name, sep, value = raw.partition("=")
    if not sep or not name or not value:
        raise click.BadParameter(f"{raw!r}: expected {what}")
    return name, value


@click.command()
@click.option("--data", "data", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Labelled CSV (repeatable). The first file is the primary language.")
@click.option("--from-decisions", is_flag=True,
              help="Add the editors' approvals (0) and rejections (1) from the database, "
                   "judge the model on the newest of them (held out) beside the model "
                   "scoring now, and install it as the candidate.")
@click.option("--since", type=click.DateTime(), default=None,
              help="With --from-decisions: only decisions at or after this moment (UTC).")
@click.option("--decisions-weight", type=click.FloatRange(min=0, min_open=True), default=None,
              help="With --data: the decisions' total weight relative to the first file's "
                   "train rows (default: each decision weighs like one of those rows).")
@click.option("--holdout", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.2, show_default=True,
              help="With --from-decisions: the newest share of the decisions held out.")
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option("--split-column", default="split", show_default=True,
              help="'' to train on every row.")
@click.option("--fine-label-column", default="fine_label", show_default=True,
              help="Feeds extra heads (--head); optional in a file.")
@click.option("--train-split", "train_splits", multiple=True, default=("train", "all"),
              show_default=True, help="Split values to train on (repeatable); never 'test'.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("compact_model"), show_default=True)
@click.option("--seed", default=13, show_default=True)
@click.option("--component", "components", multiple=True, metavar="METHOD:BLOCK:C",
              default=DEFAULT_COMPONENTS, show_default=True,
              help="A linear model of the stack (repeatable): METHOD nbsvm, lr or svm; BLOCK "
                   "char, word or all; C its inverse regularisation strength.")
@click.option("--folds", default=5, show_default=True,
              help="Cross-fitting folds of the primary file (meta-model, figures, threshold).")
@click.option("--file-weight", "file_weights", multiple=True, metavar="FILE=W",
              help="Total weight of FILE's rows, relative to the primary file's row count.")
@click.option("--match-base-rate/--keep-base-rate", default=True, show_default=True,
              help="Reweight other files' classes to the primary file's share of positives.")
@click.option("--head", "heads", multiple=True, metavar="NAME=LABEL[,LABEL]",
              help="An extra output from fine labels, e.g. insult=INSULT (repeatable).")
@click.option("--char-ngrams", default="2-5", show_default=True)
@click.option("--char-scope", type=click.Choice(CHAR_SCOPES), default="text", show_default=True,
              help="Where character n-grams are read: across the whole text, inside each "
                   "word, or inside words the model does not know (a known word is read "
                   "whole).")
@click.option("--mask-groups/--keep-groups", default=False, show_default=True,
              help="Read every name of a group of people (Frauen, Muslime, Schwule, Linke …) "
                   "as one token, so no group's name is evidence of abuse by itself.")
@click.option("--evaluative/--no-evaluative", default=False, show_default=True,
              help="Also read praise and blame words, their negation (nicht …) and whether "
                   "they are said where a group of people is named.")
@click.option("--word-ngrams", default="1-2", show_default=True)
@click.option("--min-df", default=2, show_default=True)
@click.option("--max-char-features", default=300_000, show_default=True)
@click.option("--max-word-features", default=100_000, show_default=True)
@click.option("--augment", "augment_sets", multiple=True, type=click.Choice(AUGMENT_SETS),
              help="Add generated rows (repeatable; weigh them with --file-weight "
                   "augment=W): identity (the same sentences about every group, neutral and "
                   "abusive), everyday (harmless words, products and numbers), evaluative "
                   "(praise, blame and their denial said of every group).")
def train(data: tuple[Path, ...], from_decisions: bool, since: datetime | None,
          decisions_weight: float | None, holdout: float, **options: Any) -> None:
    """Train the compact toxicity model on the train split of labelled CSVs (and of the
    editors' decisions) and write model.npz and manifest.json to --out. Needs scikit-learn
    ('moderation[train]')."""
    if not (data or from_decisions):
        raise click.UsageError("Name training data: --data FILE.csv and/or --from-decisions.")
    if not from_decisions and (since or decisions_weight):
        raise click.UsageError("--since and --decisions-weight go with --from-decisions.")
    with tempfile.TemporaryDirectory() as folder:
        decisions, comments = None, []
        if from_decisions:
            decisions, comments = _decisions(Path(folder), since, holdout)
            if data:
                weight = decisions_weight or _row_for_row(data[0], decisions, options)
                options["file_weights"] = (*options["file_weights"],
                                           f"{decisions.name}={weight}")
            data = (*data, decisions)
        _train(data, **options)
        if decisions is not None:
            _judge_and_install(decisions, options["out"], comments)


def _row_for_row(primary: Path, decisions: Path, options: dict[str, Any]) -> float:
    """The decisions' weight at which each weighs like one training row of the first file:
    a few hundred decisions must not outweigh thousands of rows."""
    splits = frozenset(options["train_splits"])
    columns = Columns(text=options["text_column"], label=options["label_column"],
                      split=options["split_column"] or None)
    primary_rows = sum(1 for _ in read_rows(primary, columns, splits))
    decided_rows = sum(1 for _ in read_rows(decisions, Columns(), splits))
    return decided_rows / max(primary_rows, 1)


def _decisions(folder: Path, since: datetime | None, holdout: float
               ) -> tuple[Path, list[int]]:
    from moderation.config import Config
    from moderation.training.from_decisions import write_decisions

    try:
        path, comments = write_decisions(Config.from_env(), folder,
                                         since=since and since.replace(tzinfo=UTC),
                                         holdout=holdout)
    except DataError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{len(comments)} editors' decisions read ({holdout:.0%} newest held out)")
    return path, comments


def _judge_and_install(decisions: Path, out: Path, comments: list[int]) -> None:
    """Judge the new model on the held-out decisions, note it in its manifest, install it as
    the candidate."""
    from moderation.config import Config
    from moderation.training.from_decisions import held_out_figures, install_candidate
    from moderation.training.train import MANIFEST_FILE

    config = Config.from_env()
    figures = held_out_figures(config, decisions, out)
    manifest_path = out / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["held_out_decisions"] = figures
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    for name in ("candidate", "current"):
        shown = figures[name]
        click.echo(f"{name:9} {shown['scorer']}: ROC-AUC {shown['roc_auc']}, macro-F1 "
                   f"{shown['macro_f1']} on the {figures['rows']} newest decisions")
    version = install_candidate(config, out, "trained on the editors' decisions", comments)
    click.echo(f"Installed {version} as the candidate: compare it in the candidate report, "
               "then `moderation model promote`.")


def _train(data: tuple[Path, ...], text_column: str, label_column: str, split_column: str,
           fine_label_column: str, train_splits: tuple[str, ...], out: Path, seed: int,
           components: tuple[str, ...], folds: int, file_weights: tuple[str, ...],
           match_base_rate: bool, heads: tuple[str, ...], char_ngrams: str, char_scope: str,
           mask_groups: bool, evaluative: bool, word_ngrams: str, min_df: int,
           max_char_features: int, max_word_features: int, augment_sets: tuple[str, ...]
           ) -> None:
    from moderation.training.train import train as run_training

    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise click.ClickException(
            "training needs scikit-learn: pip install 'moderation[train]'") from None
    weights = {}
    for raw in file_weights:
        name, value = _pair(raw, "FILE=WEIGHT")
        try:
            weights[Path(name).name] = float(value)
        except ValueError:
            raise click.BadParameter(f"{raw!r}: the weight is not a number") from None
    head_labels = {}
    for raw in heads:
        name, value = _pair(raw, "NAME=LABEL[,LABEL]")
        head_labels[name] = [v.strip() for v in value.split(",") if v.strip()]
    try:
        char_min, char_max = (int(v) for v in char_ngrams.split("-"))
        word_min, word_max = (int(v) for v in word_ngrams.split("-"))
        params = TrainParams(
            components=tuple(components), char_min=char_min, char_max=char_max,
            word_min=word_min, word_max=word_max, char_scope=char_scope, mask_groups=mask_groups,
            evaluative=evaluative, min_df=min_df,
            max_char_features=max_char_features, max_word_features=max_word_features,
            folds=folds, seed=seed, match_base_rate=match_base_rate, file_weights=weights,
            heads=head_labels, augment=augment_sets)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    columns = Columns(text=text_column, label=label_column, split=split_column or None,
                      fine_label=fine_label_column or None)
    # The command as recorded: data by file name (their sha256 is beside), no --out.
    ctx = click.get_current_context()
    recorded = ["moderation", "model", "train"]
    for path in ctx.params["data"]:  # as given: the decisions' file is --from-decisions
        recorded += ["--data", path.name]
    for param in ctx.command.params:
        if param.name in ("data", "out") or not isinstance(param, click.Option):
            continue
        value = ctx.params[param.name]
        if param.is_flag:
            if value or param.secondary_opts:
                recorded.append(param.opts[0] if value else param.secondary_opts[0])
            continue
        for item in value if param.multiple else (value,):
            if item is not None:
                recorded += [param.opts[0], str(item)]
    try:
        manifest = run_training(list(data), out, columns=columns, train_splits=train_splits,
                                params=params, command=shlex.join(recorded))
    except DataError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Model {manifest['version']} written to {out} "
               f"({manifest['model_file']['bytes'] / 1e6:.1f} MB)")
    cv = manifest["cross_validation"]["toxicity"]
    folds_figures = cv["per_fold"]
    click.echo(
        f"{cv['folds']}-fold cross-validation on {cv['file']}: ROC-AUC "
        f"{folds_figures['roc_auc']['mean']:.3f} ± {folds_figures['roc_auc']['sd']:.3f}, "
        f"macro-F1 {folds_figures['macro_f1_at_threshold']['mean']:.3f} ± "
        f"{folds_figures['macro_f1_at_threshold']['sd']:.3f} at the recommended toxicity "
        f"review threshold {cv['recommended_review_threshold']:.2f} "
        f"({folds_figures['macro_f1_at_0.5']['mean']:.3f} at 0.50)")


def resolve_scorer(name: str, model: Path | None = None) -> Scorer:
    """The scorer ``eval --scorer`` names (``configured``: as the workers would score);
    raises ``ScorerUnavailable``."""
    from moderation.config import Config
    from moderation.scoring.compact import CompactScorer
    from moderation.scoring.factory import load_scorer

    if model is not None and name == "compact":
        return CompactScorer(model)
    config = Config.from_env()
    return load_scorer(config if name == "configured" else replace(config, scorer=name))


def run_eval(path: Path, columns: Columns, split: str | None, scorer: Scorer,
             settings: PolicySettings | None = None) -> Evaluation:
    """Evaluate ``scorer`` with the policy on a labelled CSV (``split=None``: every row)."""
    rows = read_rows(path, columns, frozenset({split}) if split else None)
    return evaluate(rows, scorer, settings)


def make_eval_command(resolve: Callable[[str, Path | None], Scorer] = resolve_scorer
                      ) -> click.Command:
    """The ``eval`` command; tests pass their own ``resolve`` to inject a scorer."""

    @click.command(name="eval")
    @click.option("--data", "path", required=True,
                  type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--text-column", default="text", show_default=True)
    @click.option("--label-column", default="label", show_default=True)
    @click.option("--split-column", default="split", show_default=True,
                  help="Read where the file has it; '' to ignore it.")
    @click.option("--split", default=None,
                  help=f"Rows of this split only; '' for every row. Default: "
                       f"{EVAL_SPLIT!r} where the file has a split column, else every row.")
    @click.option("--scorer", "scorer_name", type=click.Choice(SCORERS), default="configured",
                  show_default=True, help="configured: MODERATION_SCORER, as the workers score.")
    @click.option("--model", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="A compact model folder (default: the one shipped).")
    @click.option("--thresholds", default=None, metavar="JSON",
                  help='e.g. \'{"toxicity": {"review": 0.4, "reject": 0.9}}\'')
    @click.option("--json", "as_json", is_flag=True, help="One JSON object.")
    def eval_command(path: Path, text_column: str, label_column: str, split_column: str,
                     split: str | None, scorer_name: str, model: Path | None,
                     thresholds: str | None, as_json: bool) -> None:
        """Score a labelled CSV (label 0/1) and apply the policy: ROC-AUC, macro-F1,
        precision and recall, and how many comments would be approved, held, rejected."""
        settings = PolicySettings()
        if thresholds:
            try:
                settings = PolicySettings(thresholds=parse_thresholds(json.loads(thresholds)),
                                          label="--thresholds")
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                raise click.BadParameter(f"{error}", param_hint="--thresholds") from None
        columns = Columns(text=text_column, label=label_column, split=split_column or None)
        if split and not columns.split:
            raise click.UsageError("--split needs --split-column (or pass --split '')")
        try:
            scorer = resolve(scorer_name, model)
        except ScorerUnavailable as error:
            raise click.ClickException(f"scorer {scorer_name!r} unavailable: {error}") from None
        try:
            if split is None:
                # A file of one's own rarely has a split column: then every row counts.
                split = EVAL_SPLIT if columns.split in header(path) else ""
            if not split:
                columns = replace(columns, split=None)
            evaluation = run_eval(path, columns, split or None, scorer, settings)
        except DataError as error:
            raise click.ClickException(
                f"{error}. Name the columns with --text-column, --label-column and "
                "--split-column.") from None
        click.echo(json.dumps(evaluation.as_dict(), ensure_ascii=False) if as_json
                   else format_report(evaluation))

    return eval_command


eval_command = make_eval_command()
