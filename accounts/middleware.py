from .models import Membership

SESSION_KEY = "current_organisation_id"


def current_membership(request) -> Membership | None:
    """The membership the user acts through, chosen in the UI and kept in the session.

    Only active memberships of active organisations count, so a deactivated member loses access
    on their next request."""
    memberships = list(request.user.active_memberships().order_by("organisation__name"))
    request.memberships = memberships
    wanted = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.organisation_id == wanted:
            return membership
    if memberships:
        request.session[SESSION_KEY] = memberships[0].organisation_id
        return memberships[0]
    request.session.pop(SESSION_KEY, None)
    return None


class CurrentOrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        request.current_membership = None
        if request.user.is_authenticated:
            request.current_membership = current_membership(request)
        return self.get_response(request)
