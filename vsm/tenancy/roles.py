"""Roles and what each may do: the one place where the mapping lives."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Administrator"
    RELEASE_MANAGER = "release_manager", "Release manager"
    ENVIRONMENT_MANAGER = "environment_manager", "Environment manager"
    APPROVER = "approver", "Approver"
    ENGINEER = "engineer", "Engineer"
    VIEWER = "viewer", "Viewer"


class Perm(StrEnum):
    VIEW = "view"
    MANAGE_ORGANIZATION = "manage_organization"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_TOKENS = "manage_tokens"
    VIEW_AUDIT = "view_audit"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_RELEASES = "manage_releases"
    MANAGE_FREEZES = "manage_freezes"
    OVERRIDE_FREEZE = "override_freeze"
    SIGN_OFF = "sign_off"
    WAIVE = "waive"
    MANAGE_ENVIRONMENTS = "manage_environments"
    APPROVE_BOOKINGS = "approve_bookings"
    BOOK_ENVIRONMENTS = "book_environments"
    RECORD_DELIVERY = "record_delivery"
    MANAGE_CONNECTIONS = "manage_connections"


_EVERYTHING = frozenset(Perm)
_ENGINEER = frozenset({Perm.VIEW, Perm.BOOK_ENVIRONMENTS, Perm.RECORD_DELIVERY, Perm.MANAGE_CATALOG})

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: _EVERYTHING,
    Role.ADMIN: _EVERYTHING,
    Role.RELEASE_MANAGER: _ENGINEER
    | {Perm.MANAGE_RELEASES, Perm.MANAGE_FREEZES, Perm.OVERRIDE_FREEZE, Perm.SIGN_OFF, Perm.WAIVE,
       Perm.VIEW_AUDIT},
    Role.ENVIRONMENT_MANAGER: _ENGINEER
    | {Perm.MANAGE_ENVIRONMENTS, Perm.APPROVE_BOOKINGS, Perm.VIEW_AUDIT},
    Role.APPROVER: frozenset({Perm.VIEW, Perm.SIGN_OFF, Perm.APPROVE_BOOKINGS, Perm.BOOK_ENVIRONMENTS}),
    Role.ENGINEER: _ENGINEER,
    Role.VIEWER: frozenset({Perm.VIEW}),
}


def role_has(role: str | None, perm: Perm) -> bool:
    return role is not None and perm in ROLE_PERMISSIONS.get(role, frozenset())


def roles_with(perm: Perm) -> list[str]:
    """The names of the roles that may do `perm`, for a refusal that says whom to ask."""
    return [str(role.label) for role in Role if perm in ROLE_PERMISSIONS[role]]
