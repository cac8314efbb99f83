"""``moderation model finetune``: a Hugging Face sequence classifier fine-tuned on labelled
CSVs and the editors' decisions, written as a checkpoint to ``--out``, published into the
model cache with the base's label map (as ``moderation model fetch --from`` does) and installed
as the candidate, with the decisions it learnt from. Promotion stays an admin's act."""

from __future__ import annotations

import csv
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from moderation.config import Config
from moderation.training.data import DataError


@click.command()
@click.option("--base", required=True,
              help="The checkpoint to start from: a folder, or a name in the model cache "
                   "(what `model fetch --as` named it).")
@click.option("--data", "data", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Labelled CSV (text, label 0/1, split train/test); repeatable.")
@click.option("--from-decisions", is_flag=True,
              help="Add the editors' approvals (0) and rejections (1) from the database; the "
                   "newest of them (--holdout) are only judged on.")
@click.option("--since", type=click.DateTime(), default=None,
              help="With --from-decisions: only decisions at or after this moment (UTC).")
@click.option("--holdout", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.2, show_default=True,
              help="With --from-decisions: the newest share of the decisions held out.")
@click.option("--positive-label", required=True,
              help="The checkpoint's label (id2label name or index) that label 1 trains, "
                   "e.g. OFFENSE.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new folder for the fine-tuned checkpoint.")
@click.option("--epochs", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True), default=2e-5,
              show_default=True)
@click.option("--max-length", type=click.IntRange(min=8), default=256, show_default=True,
              help="Tokens per comment; longer ones are cut.")
@click.option("--device", type=click.Choice(("auto", "cpu", "cuda")), default="auto",
              show_default=True)
@click.option("--seed", default=13, show_default=True)
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where --base is looked up by name and the result is published. Default: "
                   "MODERATION_MODEL_CACHE.")
@click.option("--as", "cache_name", default=None,
              help="The result's name in the model cache. Default: the --out folder's name.")
@click.option("--install/--no-install", default=True, show_default=True,
              help="Publish the result into the model cache and install it as the candidate; "
                   "--no-install only writes --out.")
@click.option("--note", default=None, help="Why this model (shown in the list and the log).")
def finetune(base: str, data: tuple[Path, ...], from_decisions: bool, since: datetime | None,
             holdout: float, positive_label: str, out: Path, epochs: int, batch_size: int,
             learning_rate: float, max_length: int, device: str, seed: int,
             cache: Path | None, cache_name: str | None, install: bool,
             note: str | None) -> None:
    """Fine-tune a Hugging Face sequence classifier (two labels) on the train split of
    labelled CSVs and of the editors' decisions; report ROC-AUC and macro-F1 on the test split
    before and after; install the result as the candidate (scored in shadow until `moderation
    model promote`). Needs torch and transformers ('moderation[detoxify]')."""
    if not (data or from_decisions):
        raise click.UsageError("Name training data: --data FILE.csv and/or --from-decisions.")
    if since and not from_decisions:
        raise click.UsageError("--since goes with --from-decisions.")
    try:
        from moderation.training.finetune import FinetuneError, FinetuneParams
        from moderation.training.finetune import finetune as run
    except ImportError as error:  # installed without the extra
        raise click.ClickException(
            f"fine-tuning needs torch and transformers ({error.name or error} is missing): "
            "pip install 'moderation[detoxify]'") from None
    config = Config.from_env()
    cache = cache or config.model_cache
    name = cache_name or _name_of(out)
    if install:
        from moderation.scoring.model_cache import check_name

        try:
            check_name(name)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--as") from None
    if install and name == base:
        raise click.UsageError(f"{name!r} is the base's name in the model cache: name the "
                               "result with --as")
    folder = _base_folder(base, cache)
    params = FinetuneParams(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                            max_length=max_length, seed=seed, device=device)
    trained_on: list[int] = []
    with tempfile.TemporaryDirectory() as scratch:
        try:
            if from_decisions:
                decisions, trained_on = _decisions(config, Path(scratch), since, holdout)
                data = (*data, decisions)
            report = run(folder, data, positive_label, out, params, base_name=base)
        except (DataError, FinetuneError) as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Fine-tuned {base} on {report['train_rows']} rows, {epochs} epoch(s) on "
               f"{report['parameters']['device']}; mean loss per epoch: "
               f"{', '.join(str(loss) for loss in report['losses'])}")
    if report["base"]["new_head"]:
        click.echo(f"  {base} had no trained classification head: it started from random "
                   "weights")
    for when in ("before", "after"):
        figures = report["test"][when]
        if figures:
            click.echo(f"  test {when:6}  ROC-AUC {figures['roc_auc']}, macro-F1 "
                       f"{figures['macro_f1']} ({figures['rows']} rows)")
    if report["test"]["after"] is None:
        click.echo("  no test rows: nothing to judge it on")
    labels = _labels(folder, report["positive_label"])
    mapped = " ".join(f"--label {category}={label}" for category, label in labels.items())
    click.echo(f"Wrote {out} (weights sha256 {report['weights_sha256']}).")
    if not install:
        click.echo(f"Not installed. Publish it for the workers: moderation model fetch --from "
                   f"{out} --as {name} {mapped}")
        return
    _publish_and_install(config.replace(model_cache=cache), out, name, labels, report,
                         trained_on, note or f"fine-tuned from {base}")


def _name_of(out: Path) -> str:
    """A model-cache name from the --out folder's name (letters, digits, ``-`` and ``_``)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", out.resolve().name).strip("-_")
    return name or "finetuned"


def _labels(base: Path, positive: dict[str, Any]) -> dict[str, str]:
    """Which categories the fine-tuned model gives: those the base's label map (where it
    was fetched into the cache or installed) reads from the positive label, else toxicity."""
    from moderation.scoring.transformer_cache import transformer_in

    fetched = transformer_in(base)
    mapped = {category: entry["label"] for category, entry in
              (fetched.manifest["labels"] if fetched else {}).items()
              if entry["index"] == positive["index"]}
    return mapped or {"toxicity": positive["name"]}


def _publish_and_install(config: Config, out: Path, name: str, labels: dict[str, str],
                         report: dict[str, Any], trained_on: list[int], note: str) -> None:
    """Publish ``out`` into the model cache as ``name`` (checked to load offline) and
    install it as the candidate with how it was trained."""
    from moderation.clock import utcnow
    from moderation.db import Database
    from moderation.errors import Conflict
    from moderation.scoring.model_cache import FetchFailed
    from moderation.scoring.transformer_cache import fetch_transformer
    from moderation.services import audit, model_versions
    from moderation.services.decision_data import DECISIONS_FILE

    try:
        fetched = fetch_transformer(name, config.model_cache, labels, folder=out)
    except (ValueError, FetchFailed) as error:
        raise click.ClickException(f"{error} (the checkpoint stays in {out})") from None
    click.echo(f"Published into {config.model_cache / name} with "
               f"{', '.join(f'{c}={label}' for c, label in labels.items())}.")
    training = {key: report[key] for key in (
        "base", "data", "positive_label", "parameters", "train_rows", "losses", "test",
        "packages", "started_at", "finished_at")}
    held_out = report["test"]["by_file"].get(DECISIONS_FILE) if trained_on else None
    if held_out is not None:
        training["held_out_decisions"] = {"rows": (held_out["after"] or {}).get("rows", 0),
                                          **held_out}
    try:
        with Database(config.database_url) as database, database.transaction() as session:
            installed = model_versions.install(session, fetched.folder, config,
                                               actor=audit.CLI, note=note, now=utcnow(),
                                               trained_on=trained_on, training=training)
            version = installed.version
    except Conflict as error:  # the same weights again: that version is registered
        click.echo(f"{error.message} Nothing new to install.")
        return
    learnt = f", learnt from {len(trained_on)} editors' decisions" if trained_on else ""
    click.echo(f"Model {version} installed as the candidate{learnt}: it is scored in shadow only. "
               "Compare it with `moderation model report`, make it live with `moderation "
               "model promote`.")


def _base_folder(base: str, cache: Path) -> Path:
    """``base`` as a folder, else as a checkpoint fetched into the model cache."""
    if Path(base).is_dir():
        return Path(base)
    from moderation.scoring.model_cache import check_name
    from moderation.scoring.transformer_cache import cached_transformer

    try:
        check_name(base)
    except ValueError:
        raise click.BadParameter(f"{base!r} is neither a folder nor a model name",
                                 param_hint="--base") from None
    fetched = cached_transformer(base, cache)
    if fetched is None:
        raise click.BadParameter(f"{base!r} is neither a folder nor a transformer in {cache} "
                                 "(`moderation model fetch --hub/--from ... --as NAME`)",
                                 param_hint="--base")
    return fetched.folder


def _decisions(config: Config, folder: Path, since: datetime | None, holdout: float
               ) -> tuple[Path, list[int]]:
    """The editors' decisions as a CSV, and the comments of those it trains on (the held-out
    newest are only judged on: their erasure leaves the model as it is)."""
    from moderation.training.from_decisions import write_decisions

    path, comments = write_decisions(config, folder,
                                     since=since and since.replace(tzinfo=UTC),
                                     holdout=holdout)
    click.echo(f"{len(comments)} editors' decisions read ({holdout:.0%} newest held out)")
    with path.open(encoding="utf-8", newline="") as rows:
        splits = [row["split"] for row in csv.DictReader(rows)]
    return path, [comment for comment, split in zip(comments, splits, strict=True)
                  if split == "train"]
