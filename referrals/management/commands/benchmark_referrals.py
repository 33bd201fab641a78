"""Benchmark (not a test): build N referrals in one organisation, then time the partner
dashboard and the API list. Everything is rolled back at the end."""

import statistics
import time
import uuid
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import APIToken

from accounts.models import Membership, Organisation, User
from referrals.choices import Status
from referrals.models import Referral

STATUSES = [s for s in Status if s != Status.DRAFT]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the referral dashboard and API list for N referrals (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, n, repeat, **options):
        from cms.models import referral_targets

        targets = referral_targets()
        if not targets:
            self.stderr.write("Aucun établissement n'accepte d'orientation : lancez `make demo`.")
            return
        try:
            with transaction.atomic():
                self.run(n, repeat, targets)
                raise Rollback
        except Rollback:
            pass

    def run(self, n, repeat, targets):
        organisation = Organisation.objects.create(
            name=f"Benchmark {uuid.uuid4().hex[:6]}", kind=Organisation.Kind.SPIP
        )
        user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:6]}@exemple.test", "x" * 20)
        Membership.objects.create(user=user, organisation=organisation)
        start = time.perf_counter()
        today = date.today()
        Referral.objects.bulk_create(
            (
                Referral(
                    reference=f"B{i:010d}",
                    status=STATUSES[i % len(STATUSES)],
                    organisation=organisation,
                    officer=user,
                    target_id=targets[i % len(targets)].pk,
                    first_name=f"Prénom{i}",
                    last_name=f"Nom{i}",
                    birth_date=date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                    gender="homme",
                    location="prison",
                    judicial_situation="pse",
                    release_date=today + timedelta(days=i % 120),
                    referral_type="pse",
                    housing_need="insertion",
                    employment_need="emploi",
                    ties_need="maintien",
                    consent=True,
                )
                for i in range(n)
            ),
            batch_size=2000,
        )
        self.stdout.write(f"{n} orientations créées en {time.perf_counter() - start:.1f} s")

        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        token = APIToken.generate_token()
        APIToken.objects.create(
            user=user, name="bench", key_hash=APIToken.hash_token(token), prefix=token[:12]
        )
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        cases = [
            ("tableau de bord", "/orientations/", {}, {}),
            ("tableau de bord filtré", "/orientations/", {"status": "submitted", "q": "Nom42"}, {}),
            ("tableau de bord, page 40", "/orientations/", {"page": "40"}, {}),
            ("API, liste", "/api/orientations/v1/referrals", {"limit": "50"}, auth),
            ("API, liste filtrée", "/api/orientations/v1/referrals", {"status": "accepted"}, auth),
        ]
        for label, path, params, headers in cases:
            timings = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    response = client.get(path, params, **headers)
                    timings.append(time.perf_counter() - began)
            median = statistics.median(timings) * 1000
            self.stdout.write(
                f"{label:<28} HTTP {response.status_code}  médiane {median:7.1f} ms"
                f"  requêtes SQL {len(queries.captured_queries)}"
            )
