"""Benchmark (not a test): the commission queue's median time and query count for several
numbers of referrals (default 1,000 and 100,000), for a head of every establishment and for
management, and the ratio between the sizes. The data is realistic: a few hundred referrals in
flight, the rest closed in the past (`referrals.benchmark.build_referrals`). Everything is rolled
back at the end."""

import time

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client

from accounts import security
from accounts.models import InternalRole, Membership, Organisation
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
    help = "Time the commission queue for 1,000 and 100,000 referrals (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
        parser.add_argument("--repeat", type=int, default=5)
        add_explain_argument(parser)

    def handle(self, *args, sizes, repeat, explain, **options):
        targets = list(referral_targets())
        if not targets:
            self.stderr.write("Aucun établissement n'accepte d'orientation : lancez `make demo`.")
            return
        by_size = {}
        for size in sizes:
            try:
                with transaction.atomic():
                    by_size[size] = self.run(size, repeat, targets, explain)
                    raise Rollback
            except Rollback:
                pass
        compare(self.stdout, by_size)

    def client_for(self, internal, role, targets):
        member = partner()
        member.delete()
        membership = Membership.objects.create(user=member.user, organisation=internal)
        for target in targets if role == InternalRole.Role.HEAD else [None]:
            InternalRole.objects.create(membership=membership, role=role, establishment=target)
        if security.mfa_required(member.user) and not security.has_mfa(member.user):
            # Internal staff sign in with MFA (accounts.security): give them an authenticator,
            # or every page answers with a redirection to the MFA setup.
            TOTP.activate(member.user, generate_totp_secret())
        member.user.refresh_from_db(fields=["session_epoch"])  # the session hash includes it
        client = Client()
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session["current_organisation_id"] = internal.pk
        session.save()
        return client

    def run(self, size, repeat, targets, explain):
        sender = partner()
        start = time.perf_counter()
        build_referrals(size, sender, targets)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE referrals_referral")
        self.stdout.write(
            f"\n{size} orientations créées en {time.perf_counter() - start:.1f} s "
            f"({len(targets)} établissements)"
        )
        internal = Organisation.objects.filter(kind=Organisation.Kind.ILOT).first() or (
            Organisation.objects.create(name="Benchmark interne", kind=Organisation.Kind.ILOT)
        )
        head = self.client_for(internal, InternalRole.Role.HEAD, targets)
        management = self.client_for(internal, InternalRole.Role.MANAGEMENT, targets)
        results = {}
        for who, client in (("chef", head), ("direction", management)):
            cases = [
                (f"{who} : file, tous les établissements", "/commission/", {}, {}),
                (
                    f"{who} : file, un établissement",
                    "/commission/",
                    {"etablissement": str(targets[0].pk)},
                    {},
                ),
            ]
            results.update(measure(self.stdout, client, cases, repeat, explain))
        return results
