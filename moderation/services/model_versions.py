"""Model versions: which model scores comments, as a history an admin controls.

A trained or fetched model never replaces the live one directly: ``install`` copies its
folder into the model store and registers it as the candidate; ``promote`` makes the
candidate live; ``rollback`` returns to the version that was live before it. Each version
keeps its manifest: its files with their sha256, the training data, parameters and figures,
who installed it. While no version is live, the compact model shipped in the package scores;
it needs no row.

Two kinds: ``compact`` (a trained compact model) and ``transformer`` (the partner scored
beside it: a Hugging Face classifier or a detoxify model fetched into the model cache, told
apart by the fetch manifest's ``kind``). Each kind has at most one live version and its own
chain of previous versions: promoting a transformer leaves the live compact model live, and
the other way round. There is one candidate at a time, of either kind: the worker scores one
candidate in shadow, and its report compares that one model with the live decisions.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from moderation.config import Config
from moderation.domain import CommentStatus
from moderation.errors import Conflict, Invalid, NotFound
from moderation.models import (
    Comment,
    ModelState,
    ModelTrainingComment,
    ModelVersion,
    ShadowDecision,
)
from moderation.services import audit, policies

COMPACT = "compact"
TRANSFORMER = "transformer"
KINDS = (COMPACT, TRANSFORMER)
# What every installed model must score before it may become the candidate.
SAMPLE = "Schöne Grüße aus Köln, danke für den Artikel über die Größe der Städte!"


@dataclass(frozen=True)
class LiveModel:
    """The registered version workers score with, and where its files are."""

    version: str
    path: Path
    files: dict[str, Any]
    kind: str = COMPACT


def store_of(config: Config) -> Path:
    """The folder that holds every registered version (``MODERATION_MODEL_STORE``)."""
    return config.model_store or config.model_cache / "versions"


@lru_cache(maxsize=1)
def shipped_version() -> str:
    """The version of the compact model shipped in the package: live while no row is."""
    from moderation.scoring.compact import MANIFEST_FILE, shipped_model_dir

    manifest = json.loads((shipped_model_dir() / MANIFEST_FILE).read_text(encoding="utf-8"))
    return f"{manifest['name']}@{manifest['version']}"


def file_hashes(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file under ``folder`` by its relative path, with its sha256 and size."""
    return {path.relative_to(folder).as_posix(): {"sha256": _sha256(path),
                                                  "bytes": path.stat().st_size}
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def changed_files(folder: Path, files: dict[str, Any]) -> list[str]:
    """The files of a manifest that are missing from ``folder`` or differ from it."""
    now = file_hashes(folder) if folder.is_dir() else {}
    return sorted(name for name, known in files.items()
                  if now.get(name, {}).get("sha256") != known["sha256"])


def _check_files(version: ModelVersion) -> None:
    """Refuse a version whose files are not the ones it was installed with."""
    changed = changed_files(Path(version.path), version.manifest["files"])
    if changed:
        raise Conflict(f"The files of model {version.version} changed since it was installed "
                       f"({', '.join(changed)}); install it again.",
                       errors={"files": changed})


def inspect_compact(folder: Path) -> tuple[str, dict[str, Any]]:
    """The version of the compact model in ``folder`` and its training manifest, after it
    has loaded and scored a German sentence. Its version must be its model file's hash."""
    from moderation.scoring.base import ScorerUnavailable
    from moderation.scoring.compact import MODEL_FILE, CompactScorer

    if not (folder / MODEL_FILE).is_file():
        raise Invalid(f"{folder} holds no compact model ({MODEL_FILE} is missing).")
    try:
        scorer = CompactScorer(folder)
        scores = scorer.score([SAMPLE])[0]
    except (ScorerUnavailable, ValueError, KeyError) as error:
        raise Invalid(f"{folder} holds no compact model that loads: {error}") from None
    if not scores or not all(0.0 <= value <= 1.0 for value in scores.values()):
        raise Invalid(f"The model in {folder} gave no probabilities for a German sentence.")
    sha = _sha256(folder / MODEL_FILE)
    if scorer.manifest.get("model_file", {}).get("sha256") != sha \
            or not scorer.version.endswith(sha[:12]):
        raise Invalid(f"The manifest in {folder} does not name its model file's sha256: "
                      "was the model changed after training?")
    return f"{scorer.name}@{scorer.version}", scorer.manifest


def inspect_transformer(folder: Path) -> tuple[str, dict[str, Any]]:
    """The version of the fetched transformer in ``folder`` (its scorer's ``hf:NAME@sha``, or
    ``detoxify-NAME@...`` for a detoxify model) and its fetch manifest, after its files
    matched that manifest's hashes and it loaded offline and scored a German sentence."""
    from moderation.scoring.base import ScorerUnavailable
    from moderation.scoring.cache import KIND as KIND_DETOXIFY
    from moderation.scoring.cache import detoxify_in, is_detoxify_folder
    from moderation.scoring.factory import detoxify_name
    from moderation.scoring.transformer_cache import transformer_in

    if is_detoxify_folder(folder):
        from moderation.scoring.detoxify import DetoxifyScorer

        found = detoxify_in(folder)
        if found is None:
            raise Invalid(f"{folder} holds no complete detoxify model (moderation model fetch).")
        manifest = {"kind": KIND_DETOXIFY, **found.manifest}

        def load() -> Any:
            return DetoxifyScorer(checkpoint=str(found.checkpoint),
                                  config_dir=str(found.config_dir),
                                  name=detoxify_name(found.model))
    else:
        from moderation.scoring.transformer import TransformerScorer

        fetched = transformer_in(folder)
        if fetched is None:
            raise Invalid(f"{folder} holds no fetched transformer (moderation model fetch).")
        manifest = fetched.manifest

        def load() -> Any:
            return TransformerScorer(fetched.folder, fetched.labels, fetched.activation,
                                     name=fetched.model)
    # A detoxify model fetched before its manifest listed its files is checked by size only.
    changed = changed_files(folder, manifest.get("files", {}))
    if changed:
        raise Invalid(f"The files of the transformer in {folder} differ from its fetch "
                      f"manifest ({', '.join(changed)}): fetch it again.",
                      errors={"files": changed})
    try:
        scorer = load()
        scores = scorer.score([SAMPLE])[0]
    except ScorerUnavailable as error:
        raise Invalid(f"{folder} holds no transformer that loads offline: {error}") from None
    if not scores or not all(0.0 <= value <= 1.0 for value in scores.values()):
        raise Invalid(f"The model in {folder} gave no probabilities for a German sentence.")
    return f"{scorer.name}@{scorer.version}", manifest


def kind_of(folder: Path) -> str:
    """``transformer`` for a folder with a fetched transformer's or detoxify model's
    manifest, else ``compact``."""
    from moderation.scoring.cache import is_detoxify_folder
    from moderation.scoring.transformer_cache import is_transformer_folder

    return TRANSFORMER if is_transformer_folder(folder) or is_detoxify_folder(folder) \
        else COMPACT


def _inspect(folder: Path, kind: str) -> tuple[str, dict[str, Any]]:
    """The version and the manifest entries of the model in ``folder``."""
    if kind == TRANSFORMER:
        version, fetched = inspect_transformer(folder)
        return version, {"fetch": {key: fetched[key] for key in (
            "kind", "model", "source", "hub", "architecture", "problem_type", "activation",
            "labels", "id2label", "classes", "weights_sha256", "scorer_version", "packages",
            "fetched_at") if key in fetched}}
    version, trained = inspect_compact(folder)
    return version, {
        "data": trained.get("data", []), "parameters": trained.get("parameters", {}),
        "metrics": trained.get("cross_validation", {}), "heads": trained.get("heads", []),
        "held_out_decisions": trained.get("held_out_decisions"),
        "command": trained.get("command")}


def install(session: Session, folder: Path, config: Config, *, actor: str,
            api_key_id: int | None = None, note: str | None, now: datetime,
            trained_on: Collection[int] = (),
            training: dict[str, Any] | None = None) -> ModelVersion:
    """Register the model in ``folder`` as the candidate (a copy in the model store): a
    trained compact model, or a transformer fetched into the model cache (``kind_of``). The
    candidate before it, of either kind, is retired: one candidate at a time. ``trained_on``:
    the comments whose editors' decisions it learnt from (their erasure marks it);
    ``training``: how a fine-tuned transformer was trained (data, parameters, figures), for
    its manifest."""
    _serialise(session)
    folder = folder.resolve()
    kind = kind_of(folder)
    version, described = _inspect(folder, kind)
    row = session.scalar(select(ModelVersion).where(ModelVersion.version == version))
    if row is not None and row.state != ModelState.RETIRED:
        raise Conflict(f"Model {version} is already {row.state.value}.")
    path = _copy_into_store(folder, store_of(config), version)
    replaced = _candidate(session)
    if replaced is not None:
        replaced.state, replaced.retired_at = ModelState.RETIRED, now
    manifest = {"files": file_hashes(path), "source": str(folder), **described,
                **({"training": training} if training else {}),
                "decisions": len(trained_on), "created_by": actor}
    if row is None:
        row = ModelVersion(kind=kind, version=version, created_by=actor, created_at=now)
        session.add(row)
    row.state, row.path, row.manifest, row.note = ModelState.CANDIDATE, str(path), manifest, note
    row.retired_at = None
    session.flush()
    _learnt_from(session, row, trained_on, now)
    audit.record(session, "model.installed", actor=actor, api_key_id=api_key_id,
                 target=version, now=now, details={
                     "note": note, "replaced_candidate": replaced.version if replaced else None})
    return row


def _learnt_from(session: Session, row: ModelVersion, comment_ids: Collection[int],
                 now: datetime) -> None:
    """Note which comments the version learnt from; one erased meanwhile marks it."""
    session.execute(delete(ModelTrainingComment)
                    .where(ModelTrainingComment.model_version_id == row.id))
    session.add_all(ModelTrainingComment(model_version_id=row.id, comment_id=comment_id)
                    for comment_id in set(comment_ids))
    erased = session.scalar(select(func.count()).select_from(Comment).where(
        Comment.id.in_(list(comment_ids)), Comment.erased_at.is_not(None))) if comment_ids else 0
    row.trained_on_erased_at = now if erased else None


def _copy_into_store(folder: Path, store: Path, version: str) -> Path:
    """The model's files in the store, named by version: copied to a temporary folder
    first, so a worker never sees half of a model."""
    target = store / version.replace("@", "_").replace(":", "-")
    if target.is_dir() and not changed_files(target, file_hashes(folder)):
        return target
    store.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=store))
    shutil.copytree(folder, staging, dirs_exist_ok=True)
    staging.chmod(0o755)  # mkdtemp's 0700 would hide it from workers running as others
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def promote(session: Session, *, actor: str, api_key_id: int | None = None,
            now: datetime) -> ModelVersion:
    """Make the candidate the live model of its kind; the live one of that kind before it is
    retired and stays restorable by ``rollback``. The other kind's live version stays."""
    _serialise(session)
    candidate = _candidate(session)
    if candidate is None:
        raise NotFound("No candidate model is installed (moderation model install).")
    _check_files(candidate)
    live = _live(session, candidate.kind)
    if live is not None:
        live.state, live.retired_at = ModelState.RETIRED, now
    candidate.state, candidate.promoted_at, candidate.promoted_by = ModelState.LIVE, now, actor
    candidate.previous_id = live.id if live else None
    session.flush()
    audit.record(session, "model.promoted", actor=actor, api_key_id=api_key_id,
                 target=candidate.version, now=now,
                 details={"kind": candidate.kind, "previous": live.version if live
                          else _unregistered(candidate.kind)})
    return candidate


def _unregistered(kind: str) -> str | None:
    """What scores for ``kind`` while no version of it is live: the shipped compact model;
    no registered transformer."""
    return shipped_version() if kind == COMPACT else None


def rollback(session: Session, *, actor: str, api_key_id: int | None = None,
             now: datetime, kind: str | None = None) -> str:
    """Return to the version of ``kind`` that was live before the live one (the shipped
    compact model, or no transformer, where there was none). Without ``kind``: the kind
    promoted last. Returns the version now live of that kind; where no transformer is left,
    the compact one, which then scores alone."""
    _serialise(session)
    live = _live(session, kind) if kind else session.scalar(
        select(ModelVersion).where(ModelVersion.state == ModelState.LIVE)
        .order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc()).limit(1))
    if live is None:
        raise Conflict(f"Nothing to roll back to: the shipped model {shipped_version()} "
                       "is live." if kind in (None, COMPACT)
                       else "Nothing to roll back to: no transformer version is live.")
    previous = session.get(ModelVersion, live.previous_id) if live.previous_id else None
    if previous is not None:
        _check_files(previous)
    live.state, live.retired_at = ModelState.RETIRED, now
    session.flush()  # one live row at a time
    if previous is not None:
        previous.state, previous.retired_at = ModelState.LIVE, None
        previous.promoted_at, previous.promoted_by = now, actor
    restored = previous.version if previous else _unregistered(live.kind)
    audit.record(session, "model.rolled_back", actor=actor, api_key_id=api_key_id,
                 target=restored or "-", now=now,
                 details={"kind": live.kind, "from": live.version, "to": restored})
    return restored or live_version(session) or shipped_version()


def versions(session: Session) -> list[ModelVersion]:
    """Every registered version, the newest first."""
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))


def live_version(session: Session) -> str | None:
    """The live registered compact version (None: the shipped model)."""
    return session.scalar(select(ModelVersion.version).where(
        ModelVersion.state == ModelState.LIVE, ModelVersion.kind == COMPACT))


def live_versions(session: Session) -> dict[str, str]:
    """The live registered version of each kind that has one; one indexed query, asked by
    workers between batches."""
    return dict(session.execute(select(ModelVersion.kind, ModelVersion.version)
                                .where(ModelVersion.state == ModelState.LIVE)).all())


def live_model(session: Session, kind: str = COMPACT) -> LiveModel | None:
    """The live registered version of ``kind`` with its folder and files, or None."""
    live = _live(session, kind)
    return LiveModel(live.version, Path(live.path), live.manifest["files"], live.kind) \
        if live else None


def candidate_model(session: Session) -> tuple[int, LiveModel] | None:
    """The candidate's id, version, folder and files, for scoring in shadow; or None."""
    candidate = _candidate(session)
    if candidate is None:
        return None
    return candidate.id, LiveModel(candidate.version, Path(candidate.path),
                                   candidate.manifest["files"], candidate.kind)


def candidate_version(session: Session) -> str | None:
    """The candidate's version (None: there is none); asked by workers between batches."""
    return session.scalar(select(ModelVersion.version)
                          .where(ModelVersion.state == ModelState.CANDIDATE))


def record_shadow(session: Session, comment: Comment, candidate_id: int,
                  status: CommentStatus, reason_code: str, now: datetime) -> None:
    """What the live policy would have decided with the candidate model's scores."""
    session.add(ShadowDecision(comment_id=comment.id, model_version_id=candidate_id,
                               live_status=comment.status, status=status,
                               reason_code=reason_code, created_at=now))


def shadow_report(session: Session) -> dict[str, Any]:
    """How often the live policy with the candidate model's scores disagrees with the live
    decisions and with editors: what an admin reads before ``promote``."""
    candidate = _candidate(session)
    if candidate is None:
        raise NotFound("No candidate model is installed (moderation model install).")
    return policies.comparison(session, ShadowDecision.model_version_id == candidate.id,
                               candidate.version)


def describe_all(session: Session) -> dict[str, Any]:
    """What scores now (the compact version and the registered transformer, if any), what
    the package ships, and every registered version."""
    lives = live_versions(session)
    return {"live": lives.get(COMPACT, shipped_version()),
            "live_transformer": lives.get(TRANSFORMER), "shipped": shipped_version(),
            "versions": versions(session)}


def _live(session: Session, kind: str) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).where(ModelVersion.state == ModelState.LIVE,
                                                     ModelVersion.kind == kind))


def _candidate(session: Session) -> ModelVersion | None:
    return session.scalar(select(ModelVersion)
                          .where(ModelVersion.state == ModelState.CANDIDATE))


def _serialise(session: Session) -> None:
    """Model changes happen one after the other: two admins promoting at once must not make
    two versions live. (On SQLite the write lock does this; on PostgreSQL an advisory
    lock.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext("moderation.model"))))


def shadow_disagreements(session: Session,
                         limit: int) -> list[tuple[ShadowDecision, Comment]]:
    """The comments the live policy with the candidate model's scores would have decided
    otherwise than the live decision, the most recent first, each with both decisions; none
    while no candidate is installed."""
    candidate = _candidate(session)
    if candidate is None:
        return []
    return [(row.ShadowDecision, row.Comment) for row in session.execute(
        select(ShadowDecision, Comment).join(Comment, Comment.id == ShadowDecision.comment_id)
        .where(ShadowDecision.model_version_id == candidate.id,
               ShadowDecision.live_status != ShadowDecision.status)
        .order_by(ShadowDecision.id.desc()).limit(limit))]
