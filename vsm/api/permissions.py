from __future__ import annotations

from rest_framework import exceptions, permissions

from vsm.tenancy.roles import Perm


class OrgRolePermission(permissions.BasePermission):
    """Reads need `permission` (default: view); writes need `write_permission` declared on the view.
    A signed-in person who is not a member gets 404, as if the organization did not exist."""

    def has_permission(self, request, view):
        actor = getattr(request, "actor", None)
        if actor is None:
            if not request.user or not request.user.is_authenticated:
                raise exceptions.NotAuthenticated()
            raise exceptions.NotFound("No such organization.")
        if not hasattr(view, request.method.lower()):
            return True  # let DRF answer 405 rather than a misleading 403
        read = getattr(view, "permission", Perm.VIEW)
        if not actor.has(read):
            raise exceptions.PermissionDenied("Your role does not allow this.")
        if request.method not in permissions.SAFE_METHODS:
            needed = view.get_write_permission() if hasattr(view, "get_write_permission") else None
            if needed is None or not actor.has(needed):
                raise exceptions.PermissionDenied("Your role may not change this.")
        return True
