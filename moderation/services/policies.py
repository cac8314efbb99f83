"""Policies in the database: the live one, an optional candidate in shadow mode, and the
history of both. Every change is a new version; nothing is edited in place."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from moderation import starterlists
from moderation.config import Config, InvalidSetting
from moderation.domain import CommentStatus
from moderation.errors import Invalid, NotFound
from moderation.models import ApiKey, Comment, PolicyVersion, ShadowDecision
from moderation.policy import PolicySettings, parse_thresholds
from moderation.services import audit
from moderation.services.keys import actor_name
from moderation.wordlists import WordEntry, WordList, validate_term

LIVE = "live"
CANDIDATE = "candidate"


@dataclass(frozen=True)
class ActivePolicies:
    live: PolicySettings
    live_version: PolicyVersion | None
    candidate: PolicySettings | None
    candidate_version: PolicyVersion | None


def configured(config: Config) -> PolicySettings:
    """The policy in force until an admin saves one: the thresholds and link limit of the
    configuration (``InvalidSetting`` says what is wrong with them)."""
    try:
        thresholds = parse_thresholds(config.thresholds)
    except ValueError as error:
        raise InvalidSetting(f"MODERATION_THRESHOLDS cannot be used: {error}.") from None
    return PolicySettings(thresholds=thresholds, max_links=config.max_links, label="configured",
                          starter=starterlists.default_choices())


def settings_of(version: PolicyVersion) -> PolicySettings:
    return PolicySettings(
        thresholds=parse_thresholds(version.thresholds, base={}),
        banned=tuple(version.banned), suspect=tuple(version.suspect),
        max_links=version.max_links, label=f"{version.name}@{version.version}",
        starter=starterlists.choices_of(version.starter_lists),
    )


def current_version(session: Session, name: str) -> PolicyVersion | None:
    version = session.scalar(select(PolicyVersion).where(PolicyVersion.name == name)
                             .order_by(PolicyVersion.version.desc()).limit(1))
    return version if version is not None and version.active else None


def active_policies(session: Session, defaults: PolicySettings) -> ActivePolicies:
    """The live policy (the configured defaults until an admin saves one) and the candidate."""
    live = current_version(session, LIVE)
    candidate = current_version(session, CANDIDATE)
    return ActivePolicies(settings_of(live) if live else defaults, live,
                          settings_of(candidate) if candidate else None, candidate)


def revise(session: Session, name: str, defaults: PolicySettings,
           revision: Callable[[PolicySettings], PolicySettings], *, api_key: ApiKey | None,
           note: str | None, now: datetime, action: str,
           details: dict[str, Any] | None = None, actor: str | None = None) -> PolicyVersion:
    """Save ``revision`` of the live policy as the next version of policy ``name`` (the live
    one, or a candidate built on it). ``revision`` runs after the lock: what it reads is
    what the new version replaces."""
    _serialise(session)
    live = active_policies(session, defaults).live
    return save_version(session, name, revision(live), api_key=api_key, note=note, now=now,
                        action=action, details=details, actor=actor)


def promote(session: Session, defaults: PolicySettings, *, api_key: ApiKey | None,
            now: datetime, actor: str | None = None) -> PolicyVersion:
    """Make the candidate the live policy and end shadow mode."""
    _serialise(session)
    active = active_policies(session, defaults)
    if active.candidate is None or active.candidate_version is None:
        raise NotFound("No candidate policy is running.")
    candidate = f"{active.candidate_version.name}@{active.candidate_version.version}"
    note = f"promoted from {candidate}"
    live = save_version(session, LIVE, active.candidate, api_key=api_key, note=note, now=now,
                        action="policy.candidate_promoted", details={"candidate": candidate},
                        actor=actor)
    retire_candidate(session, api_key=api_key, note=note, now=now, actor=actor)
    return live


def _serialise(session: Session) -> None:
    """Policy changes happen one after the other, reads included: two admins adding words
    at once both find their word in the live policy, and no version number is taken twice.
    (On SQLite the write lock does this; on PostgreSQL a transaction-scoped advisory lock.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext("moderation.policy"))))


def save_version(session: Session, name: str, settings: PolicySettings, *,
                 api_key: ApiKey | None, note: str | None, now: datetime, action: str,
                 details: dict[str, Any] | None = None,
                 actor: str | None = None) -> PolicyVersion:
    """Record ``settings`` as the next version of policy ``name``; audited as ``action``,
    by ``api_key`` or by ``actor`` (a person in the workspace, ``user:<email>``)."""
    latest = session.scalar(select(func.max(PolicyVersion.version))
                            .where(PolicyVersion.name == name)) or 0
    version = PolicyVersion(
        name=name, version=latest + 1,
        thresholds={c: t.as_dict() for c, t in settings.thresholds.items()},
        banned=sorted(set(settings.banned)), suspect=sorted(set(settings.suspect)),
        starter_lists=starterlists.stored(settings.starter),
        max_links=settings.max_links, active=True, note=note,
        created_by=actor or actor_name(api_key), created_at=now,
    )
    session.add(version)
    session.flush()
    who = {"actor": actor, "api_key_id": None} if actor else audit.by_key(api_key)
    audit.record(session, action, **who, target=f"{name}@{version.version}",
                 details={"note": note, **(details or {})}, now=now)
    return version


def retire_candidate(session: Session, *, api_key: ApiKey | None, note: str | None,
                     now: datetime, actor: str | None = None) -> PolicyVersion:
    """End shadow mode: the candidate's history stays, a retired version closes it."""
    _serialise(session)
    candidate = current_version(session, CANDIDATE)
    if candidate is None:
        raise NotFound("No candidate policy is running.")
    retired = save_version(session, CANDIDATE, settings_of(candidate), api_key=api_key,
                           note=note, now=now, action="policy.candidate_ended", actor=actor)
    retired.active = False
    return retired


def find_version(session: Session, name: str, number: int) -> PolicyVersion | None:
    """Version ``number`` of policy ``name``, if it was saved."""
    return session.scalar(select(PolicyVersion).where(PolicyVersion.name == name,
                                                      PolicyVersion.version == number))


def history(session: Session, name: str, limit: int) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).where(PolicyVersion.name == name)
                                .order_by(PolicyVersion.version.desc()).limit(limit)))


def record_shadow(session: Session, comment: Comment, candidate: PolicyVersion,
                  status: CommentStatus, reason_code: str, now: datetime) -> None:
    session.add(ShadowDecision(comment_id=comment.id, policy_version_id=candidate.id,
                               live_status=comment.status, status=status,
                               reason_code=reason_code, created_at=now))


def shadow_disagreements(session: Session, candidate: PolicyVersion,
                         limit: int) -> list[tuple[ShadowDecision, Comment]]:
    """The comments the candidate would have decided otherwise than the live policy did,
    the most recent first, each with both decisions."""
    return [(row.ShadowDecision, row.Comment) for row in session.execute(
        select(ShadowDecision, Comment).join(Comment, Comment.id == ShadowDecision.comment_id)
        .where(ShadowDecision.policy_version_id == candidate.id,
               ShadowDecision.live_status != ShadowDecision.status)
        .order_by(ShadowDecision.id.desc()).limit(limit))]


def shadow_report(session: Session, candidate: PolicyVersion) -> dict[str, Any]:
    """How often the candidate disagrees with the live policy and with editors."""
    return comparison(session, ShadowDecision.policy_version_id == candidate.id,
                      f"{candidate.name}@{candidate.version}")


def comparison(session: Session, shadow_of: ColumnElement[bool],
               candidate: str) -> dict[str, Any]:
    """How often the shadow decisions ``shadow_of`` (of a candidate policy or model)
    disagree with the live decisions and with editors."""
    rows = session.execute(
        select(ShadowDecision.live_status, ShadowDecision.status, Comment.status,
               Comment.editor_decided_at)
        .join(Comment, Comment.id == ShadowDecision.comment_id)
        .where(shadow_of)
    ).all()
    compared = len(rows)
    with_live = Counter((live.value, shadow.value) for live, shadow, _, _ in rows)
    decided = [(shadow, final) for _, shadow, final, editor_at in rows if editor_at]
    with_editors = Counter((final.value, shadow.value) for shadow, final in decided)
    live_disagree = sum(n for (live, shadow), n in with_live.items() if live != shadow)
    editor_disagree = sum(n for (final, shadow), n in with_editors.items()
                          if final != shadow and shadow != CommentStatus.REVIEW.value)
    return {
        "candidate": candidate,
        "compared": compared,
        "disagree_with_live": live_disagree,
        "disagree_with_live_rate": round(live_disagree / compared, 4) if compared else None,
        "live_vs_candidate": [{"live": a, "candidate": b, "count": n}
                              for (a, b), n in sorted(with_live.items())],
        "editor_decided": len(decided),
        "disagree_with_editors": editor_disagree,
        "disagree_with_editors_rate": (round(editor_disagree / len(decided), 4)
                                       if decided else None),
        "editor_vs_candidate": [{"editor": a, "candidate": b, "count": n}
                                for (a, b), n in sorted(with_editors.items())],
    }


def apply_changes(settings: PolicySettings, changes: dict[str, Any]) -> PolicySettings:
    """``settings`` with the given fields replaced; thresholds are replaced per category."""
    return PolicySettings(
        thresholds=parse_thresholds(changes.get("thresholds", {}), base=settings.thresholds),
        banned=tuple(_checked_terms(changes, "banned", settings.banned)),
        suspect=tuple(_checked_terms(changes, "suspect", settings.suspect)),
        max_links=changes.get("max_links", settings.max_links),
        label=settings.label,
        starter=_checked_starter(settings.starter, changes.get("starter_lists", {})),
    )


def _checked_starter(current: tuple[starterlists.StarterChoice, ...],
                     changes: dict[str, Any]) -> tuple[starterlists.StarterChoice, ...]:
    try:
        return starterlists.changed(current, changes)
    except ValueError as error:
        raise Invalid("Some starter list changes cannot be made.",
                      errors={"starter_lists": error.args[0]}) from None


def _checked_terms(changes: dict[str, Any], kind: str, current: tuple[str, ...]) -> list[str]:
    terms = changes.get(kind, current)
    checked, errors = [], {}
    for index, term in enumerate(terms):
        try:
            if any(unicodedata.category(char) == "Cc" for char in term):
                raise ValueError("control characters are not allowed")
            checked.append(validate_term(term))
        except ValueError as error:
            errors[index] = [str(error)]
    if errors:
        raise Invalid(f"Some {kind} words are not valid.", errors={kind: errors})
    return checked


def change_words(settings: PolicySettings, kind: str, term: str, *, add: bool) -> PolicySettings:
    """``settings`` with one word added to or removed from a list."""
    current = list(getattr(settings, kind))
    term = _checked_terms({kind: [term]}, kind, ())[0]
    if add:
        current.append(term)
    elif term in current:
        current.remove(term)
    else:
        raise NotFound(f"„{term}“ is not on the {kind} list.")
    return apply_changes(settings, {kind: current})


def describe(settings: PolicySettings, version: PolicyVersion | None) -> dict[str, Any]:
    """A policy as the admin API shows it, saved or still the configured defaults."""
    if version is not None:
        return {c.key: getattr(version, c.key) for c in PolicyVersion.__table__.columns}
    return {"name": LIVE, "version": 0, "active": True, "note": None,
            "created_by": "configuration", "created_at": None,
            "thresholds": {c: t.as_dict() for c, t in settings.thresholds.items()},
            "banned": list(settings.banned), "suspect": list(settings.suspect),
            "starter_lists": starterlists.stored(settings.starter),
            "max_links": settings.max_links}


def starter_catalogue() -> list[dict[str, Any]]:
    """The shipped starter lists, newest versions: what each holds and where it comes from."""
    return [starterlists.latest(name).summary() for name in starterlists.shipped()]


def starter_list(name: str, version: int | None) -> dict[str, Any]:
    """One shipped starter list (the newest version unless ``version``) with its terms."""
    try:
        starter = (starterlists.latest(name) if version is None
                   else starterlists.get(name, version))
    except KeyError:
        raise NotFound(f"No starter list „{name}“"
                       + (f" in version {version}." if version else ".")) from None
    return {**starter.summary(), "terms": [
        {"term": t.term, "group": t.group, "source": t.source} for t in starter.terms]}


@lru_cache(maxsize=8)
def _compiled(banned: tuple[str, ...], suspect: tuple[str, ...],
              starter: tuple[starterlists.StarterChoice, ...]) -> WordList:
    # The editors' own entries come first: where one repeats a starter term, it is theirs.
    return WordList([WordEntry(t, "banned") for t in banned]
                    + [WordEntry(t, "suspect") for t in suspect]
                    + starterlists.entries(starter))


def word_list(settings: PolicySettings) -> WordList:
    """The policy's word lists with its starter lists, compiled once per version (and kept
    for the few in use)."""
    return _compiled(settings.banned, settings.suspect, settings.starter)
