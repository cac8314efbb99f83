"""``moderation model finetune``: a Hugging Face sequence classifier fine-tuned on labelled
CSVs and the editors' decisions, written as a checkpoint for ``moderation model fetch --from``."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

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
              help="Where --base is looked up by name. Default: MODERATION_MODEL_CACHE.")
def finetune(base: str, data: tuple[Path, ...], from_decisions: bool, since: datetime | None,
             holdout: float, positive_label: str, out: Path, epochs: int, batch_size: int,
             learning_rate: float, max_length: int, device: str, seed: int,
             cache: Path | None) -> None:
    """Fine-tune a Hugging Face sequence classifier (two labels) on the train split of
    labelled CSVs and of the editors' decisions; report ROC-AUC and macro-F1 on the test split
    before and after. Needs torch and transformers ('moderation[detoxify]')."""
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
    folder = _base_folder(base, cache or config.model_cache)
    params = FinetuneParams(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                            max_length=max_length, seed=seed, device=device)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            if from_decisions:
                data = (*data, _decisions(config, Path(scratch), since, holdout))
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
    click.echo(f"Wrote {out} (weights sha256 {report['weights_sha256']}). Publish it for the "
               f"workers: moderation model fetch --from {out} --as NAME "
               f"--label toxicity={report['positive_label']['name']}")


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


def _decisions(config: Config, folder: Path, since: datetime | None, holdout: float) -> Path:
    from moderation.training.from_decisions import write_decisions

    path, comments = write_decisions(config, folder,
                                     since=since and since.replace(tzinfo=UTC),
                                     holdout=holdout)
    click.echo(f"{len(comments)} editors' decisions read ({holdout:.0%} newest held out)")
    return path
