from vsm.tenancy.roles import Perm
from vsm.tenancy.selectors import organizations_of


def organization(request):
    """The current organization, the user's other organizations (org switcher), and the
    permission names templates test with `perms_in_org`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "org": getattr(request, "organization", None),
        "membership": membership,
        "my_organizations": organizations_of(user=user),
        "can": {perm.value: membership.has(perm) for perm in Perm} if membership else {},
    }
