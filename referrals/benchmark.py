"""Shared by the benchmark commands (never by tests): bulk data and timed requests."""

import statistics
import time
import uuid
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, Organisation, User

from .choices import Status
from .models import Referral, identity_key

STATUSES = [s for s in Status if s != Status.DRAFT]


class Rollback(Exception):
    """Raised at the end of a benchmark to roll its data back."""


def partner(kind=Organisation.Kind.SPIP):
    organisation = Organisation.objects.create(name=f"Benchmark {uuid.uuid4().hex[:6]}", kind=kind)
    user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}@exemple.test", "x" * 20)
    membership = Membership.objects.create(user=user, organisation=organisation)
    return membership


def build_referrals(n, membership, targets, prefix="B"):
    today = date.today()
    Referral.objects.bulk_create(
        (
            Referral(
                reference=f"{prefix}{i:010d}",
                status=STATUSES[i % len(STATUSES)],
                organisation=membership.organisation,
                officer=membership.user,
                target_id=targets[i % len(targets)].pk,
                first_name=f"Prénom{i}",
                last_name=f"Nom{i}",
                identity_key=identity_key(f"Nom{i}", f"Prénom{i}"),  # bulk_create skips save()
                birth_date=date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                gender="homme",
                location="prison",
                judicial_situation="ddse",
                release_date=today + timedelta(days=i % 120),
                referral_type="ddse",
                housing_need="insertion",
                employment_need="emploi",
                ties_need="maintien",
                consent=True,
            )
            for i in range(n)
        ),
        batch_size=2000,
    )


def measure(stdout, client, cases, repeat):
    for label, path, params, headers in cases:
        timings = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(path, params, **headers)
                timings.append(time.perf_counter() - began)
        median = statistics.median(timings) * 1000
        stdout.write(
            f"{label:<32} HTTP {response.status_code}  médiane {median:7.1f} ms"
            f"  requêtes SQL {len(queries.captured_queries)}"
        )
