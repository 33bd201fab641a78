"""Benchmark (not a test): the commission queue's median time and query count for several
numbers of referrals (default 1,000 and 100,000). Everything is rolled back at the end."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import Client

from accounts.models import InternalRole, Membership, Organisation
from cms.models import referral_targets
from referrals.benchmark import Rollback, build_referrals, measure, partner


class Command(BaseCommand):
    help = "Time the commission queue for 1,000 and 100,000 referrals (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, sizes, repeat, **options):
        targets = list(referral_targets())
        if not targets:
            self.stderr.write("Aucun établissement n'accepte d'orientation : lancez `make demo`.")
            return
        for size in sizes:
            try:
                with transaction.atomic():
                    self.run(size, repeat, targets)
                    raise Rollback
            except Rollback:
                pass

    def run(self, size, repeat, targets):
        sender = partner()
        start = time.perf_counter()
        build_referrals(size, sender, targets)
        self.stdout.write(
            f"\n{size} orientations créées en {time.perf_counter() - start:.1f} s "
            f"({len(targets)} établissements)"
        )
        internal = Organisation.objects.filter(kind=Organisation.Kind.ILOT).first() or (
            Organisation.objects.create(name="Benchmark interne", kind=Organisation.Kind.ILOT)
        )
        commission = partner()
        commission.delete()
        membership = Membership.objects.create(user=commission.user, organisation=internal)
        for target in targets:
            InternalRole.objects.create(
                membership=membership, role=InternalRole.Role.HEAD, establishment=target
            )
        client = Client()
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session["current_organisation_id"] = internal.pk
        session.save()
        measure(
            self.stdout,
            client,
            [
                ("file, tous les établissements", "/commission/", {}, {}),
                (
                    "file, un établissement",
                    "/commission/",
                    {"etablissement": str(targets[0].pk)},
                    {},
                ),
                ("file filtrée (nom)", "/commission/", {"q": "Nom4242"}, {}),
            ],
            repeat,
        )
