from django.utils.functional import SimpleLazyObject

from .choices import Action, Status
from .permissions import actor_for
from .work import badge_count


def vocabulary(request):
    """The referral's statuses and actions, so that templates name them as the code does
    (`{% if Action.CONTEST in actions %}`, `referral.status == Status.DECLINED`)."""
    return {"Action": Action, "Status": Status}


def work_badge(request):
    """`work_badge`: how many items of "Mon espace" need the signed-in user's action (shown in
    the header of every page). Lazy: one query, only when a page shows it."""

    def count():
        if not request.user.is_authenticated or not getattr(request, "current_membership", None):
            return 0
        return badge_count(actor_for(request))

    return {"work_badge": SimpleLazyObject(count)}
