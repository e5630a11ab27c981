from rest_framework.throttling import SimpleRateThrottle


class PrincipalRateThrottle(SimpleRateThrottle):
    """One budget per token, per signed-in person, or per client address."""

    scope = "principal"

    def get_cache_key(self, request, view):
        auth = request.auth
        if auth is not None and hasattr(auth, "digest"):
            ident = f"token-{auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
