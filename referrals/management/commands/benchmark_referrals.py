"""Benchmark (not a test): build N referrals in one organisation, then time the partner
dashboard and the API list. Everything is rolled back at the end."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import Client
from wagtail.models import APIToken

from cms.models import referral_targets
from referrals.benchmark import Rollback, build_referrals, measure, partner


class Command(BaseCommand):
    help = "Time the referral dashboard and API list for N referrals (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, n, repeat, **options):
        targets = list(referral_targets())
        if not targets:
            self.stderr.write("Aucun établissement n'accepte d'orientation : lancez `make demo`.")
            return
        try:
            with transaction.atomic():
                membership = partner()
                start = time.perf_counter()
                build_referrals(n, membership, targets)
                self.stdout.write(f"{n} orientations créées en {time.perf_counter() - start:.1f} s")
                client = Client()
                client.force_login(
                    membership.user, backend="django.contrib.auth.backends.ModelBackend"
                )
                _, token = APIToken.create_token(user=membership.user, name="benchmark")
                auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
                api = "/api/orientations/v1/referrals"
                measure(
                    self.stdout,
                    client,
                    [
                        ("tableau de bord", "/orientations/", {}, {}),
                        (
                            "tableau de bord filtré",
                            "/orientations/",
                            {"status": "submitted", "q": "Nom42"},
                            {},
                        ),
                        ("tableau de bord, page 40", "/orientations/", {"page": "40"}, {}),
                        ("API, liste", api, {"limit": "50"}, auth),
                        ("API, liste filtrée", api, {"status": "accepted"}, auth),
                    ],
                    repeat,
                )
                raise Rollback
        except Rollback:
            pass
