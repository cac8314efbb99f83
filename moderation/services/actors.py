"""Who decides on a comment: automation, the author, or a person — an editor's API key or
an account signed in to the workspace — and how records and subscribers name them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moderation.domain import AUTHOR_ACTOR, SYSTEM_ACTOR
from moderation.models import ApiKey
from moderation.services.keys import actor_name

USER_PREFIX = "user:"


@dataclass(frozen=True)
class Decider:
    """``actor`` as records name it: ``system``, ``author``, ``key:<name>`` or
    ``user:<email>``; ``key`` is the API key a machine or an editor's script decided with."""

    actor: str
    key: ApiKey | None = None

    @classmethod
    def editor(cls, key: ApiKey) -> Decider:
        return cls(actor_name(key), key)

    @classmethod
    def user(cls, email: str) -> Decider:
        """A person signed in to the workspace, by the email of their account."""
        return cls(f"{USER_PREFIX}{email}")

    @property
    def automatic(self) -> bool:
        return self.actor == SYSTEM_ACTOR

    @property
    def person(self) -> bool:
        """An editor or admin, with a key or an account: their decision stands."""
        return self.key is not None or self.actor.startswith(USER_PREFIX)

    def payload(self) -> dict[str, Any]:
        """How webhooks name the decider: ``{"type": "editor", "key"|"user": …}`` for a
        person, else ``{"type": "system"|"author"}``."""
        if self.key is not None:
            return {"type": "editor", "key": self.key.name}
        if self.person:
            return {"type": "editor", "user": self.actor.removeprefix(USER_PREFIX)}
        return {"type": self.actor}


AUTOMATION = Decider(SYSTEM_ACTOR)
AUTHOR = Decider(AUTHOR_ACTOR)
