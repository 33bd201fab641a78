from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.models import InternalRole
from accounts.permissions import manageable_organisations


@never_cache
def healthz(request):
    """Liveness and database check for load balancers; says nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def dashboard(request):
    """The signed-in home: who I am acting for, and what I can do."""
    membership = request.current_membership
    internal_roles = []
    if membership is not None:
        internal_roles = list(membership.internal_roles.select_related("establishment"))
    can_manage = (
        membership is not None
        and manageable_organisations(request.user).filter(pk=membership.organisation_id).exists()
    )
    reads_referrals = any(role.role != InternalRole.Role.EDITOR for role in internal_roles)
    return render(
        request,
        "portal/dashboard.html",
        {
            "membership": membership,
            "internal_roles": internal_roles,
            "can_manage": can_manage,
            "reads_referrals": reads_referrals,
        },
    )
