"""Yearly figures computed from the referrals' own records (placeholder, being written)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def figures_view(request):
    raise Http404
