from .choices import Action, Status


def vocabulary(request):
    """The referral's statuses and actions, so that templates name them as the code does
    (`{% if Action.CONTEST in actions %}`, `referral.status == Status.DECLINED`)."""
    return {"Action": Action, "Status": Status}
