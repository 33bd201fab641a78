"""Benchmark (not a test): N referrals in one organisation (default 1,000 and 100,000, realistic:
a few hundred in flight, the rest closed in the past, each with its history and some messages),
then the partner dashboard, "Mon espace" (the work items) and the API list, with the ratio
between the sizes. Everything is rolled back at the end."""

import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from wagtail.models import APIToken

from cms.models import referral_targets
from referrals.benchmark import (
    Rollback,
    add_explain_argument,
    build_referrals,
    compare,
    measure,
    partner,
)


class Command(BaseCommand):
    help = "Time the referral dashboard and API list for N referrals (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
        parser.add_argument("--repeat", type=int, default=7)
        add_explain_argument(parser)

    def handle(self, *args, sizes, repeat, explain, **options):
        targets = list(referral_targets())
        if not targets:
            self.stderr.write("Aucun établissement n'accepte d'orientation : lancez `make demo`.")
            return
        by_size = {}
        for n in sizes:
            try:
                with transaction.atomic():
                    by_size[n] = self.run(n, repeat, targets, explain)
                    raise Rollback
            except Rollback:
                pass
        compare(self.stdout, by_size)

    def run(self, n, repeat, targets, explain):
        membership = partner()
        start = time.perf_counter()
        build_referrals(n, membership, targets)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE referrals_referral")
        self.stdout.write(f"\n{n} orientations créées en {time.perf_counter() - start:.1f} s")
        client = Client()
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        # The name search is POSTed and kept in the session, never in the URL (`filter_data`):
        # put it there, as the search box does, for the filtered list (`?recherche=1`).
        session = client.session
        session["referral_search:partner"] = "Nom12"
        session.save()
        _, token = APIToken.create_token(user=membership.user, name="benchmark")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        api = "/api/orientations/v1/referrals"
        return measure(
            self.stdout,
            client,
            [
                ("tableau de bord", "/orientations/", {}, {}),
                (
                    "tableau de bord filtré",
                    "/orientations/",
                    {"status": "submitted", "recherche": "1"},
                    {},
                ),
                ("tableau de bord, page 40", "/orientations/", {"page": "40"}, {}),
                ("mon espace (à traiter)", "/espace/", {}, {}),
                ("API, liste", api, {"limit": "50"}, auth),
                ("API, liste filtrée", api, {"status": "accepted"}, auth),
            ],
            repeat,
            explain,
        )
