from .proconnect.conf import is_enabled as proconnect_enabled


def current_organisation(request):
    membership = getattr(request, "current_membership", None)
    return {
        "current_membership": membership,
        "current_organisation": membership.organisation if membership else None,
        "user_memberships": getattr(request, "memberships", []),
        "proconnect_enabled": proconnect_enabled(),
    }
