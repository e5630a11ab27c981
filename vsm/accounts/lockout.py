"""Login lockout with a limit per kind of counter (docs/architecture.md, "Limits").

django-axes counts failed sign-ins, within the cool-off, for each combination in
AXES_LOCKOUT_PARAMETERS, and compares the largest count with one limit. Sluice gives each
combination its own: the (account, address) pair locks early (AXES_FAILURE_LIMIT), the account
across all addresses and the address across all accounts lock much later (LOGIN_LOCKOUT_LIMITS),
so one address can shut an account out only for itself. A request is locked out when any
combination it matches has reached its limit. A successful sign-in resets only its own pair.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum
from rest_framework.throttling import BaseThrottle


class TieredLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures that count against AXES_FAILURE_LIMIT: those of the combination nearest its
        own limit, shifted onto the pair's scale (axes compares this number with that one limit)."""
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        limits = [_limit_of(parameter, limit) for parameter in parameters]
        headroom = min(
            own - (attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)
            for own, attempts in zip(limits, attempts_list, strict=True) if own  # 0: not counted
        )
        return limit - headroom

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in forgets the failures of its own (account, address) pair only. The
        account's failures elsewhere and the address's on other accounts still count: otherwise
        signing in to one's own account would wipe a spray's count, or lift another address's
        lockout on the account."""
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.filter_user_attempts(request, credentials)
        return sum(attempts.delete()[0] for parameter, attempts in zip(parameters, attempts_list, strict=True)
                   if not isinstance(parameter, str))


def _limit_of(parameter: str | list[str], pair_limit: int) -> int:
    """A single parameter ("username", "ip_address") has its own limit; the pair has axes' own."""
    return settings.LOGIN_LOCKOUT_LIMITS[parameter] if isinstance(parameter, str) else pair_limit


def client_address(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the address the API throttle uses too. REMOTE_ADDR, or behind
    TRUSTED_PROXIES reverse proxies the X-Forwarded-For entry the outermost of them added
    (counted from the right, so a client cannot choose it by sending the header itself)."""
    return BaseThrottle().get_ident(request)
