"""Who is acting: a member (signed in) or an API token (a CI job), with the role that applies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vsm.tenancy.roles import Perm, role_has

if TYPE_CHECKING:
    from vsm.accounts.models import User
    from vsm.tenancy.models import ApiToken


# What a token's label starts with, where a token is recorded by its label only.
TOKEN_LABEL_PREFIX = "token:"


@dataclass(frozen=True)
class Actor:
    role: str
    user: User | None = None
    token: ApiToken | None = None
    system: str | None = None

    def has(self, perm: Perm) -> bool:
        return role_has(self.role, perm)

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.token is not None:
            return f"{TOKEN_LABEL_PREFIX}{self.token.name}"
        return f"system:{self.system or 'sluice'}"

    @classmethod
    def for_system(cls, name: str) -> Actor:
        """Background work and operator commands: acts with full rights, audited by name."""
        return cls(role="owner", system=name)


class RequestActorMixin:
    """``org`` and ``actor`` of a view whose base (OrgPageMixin, OrgAPIMixin) has put them on the
    request."""

    @property
    def org(self):
        return self.request.organization

    @property
    def actor(self) -> Actor:
        return self.request.actor
