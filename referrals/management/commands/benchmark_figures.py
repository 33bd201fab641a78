"""Benchmark (not a test): the statistics at scale. For each size, N referrals with realistic
histories (ten years of submissions, closed referrals in the past, events, stays) are inserted
server-side (INSERT … SELECT over generate_series, in one transaction rolled back afterwards);
then the median time of the yearly page, its CSV and XLSX exports and the API, next to the bare
SQL GROUP BY of the headline counts. PostgreSQL only."""

import statistics
import time

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import APIToken

from accounts import security
from accounts.models import InternalRole, Membership, Organisation
from cms.models import referral_targets
from referrals.benchmark import Rollback, add_explain_argument, explain_slowest, partner
from referrals.choices import Action, Status
from referrals.models import Referral, ReferralEvent, Stay

FIRST_YEAR = 2016
YEARS = 10
MEASURED_YEAR = 2024
# What the events of referral b.i record (and its facts repeat).
DECISION_AT = "b.t0 + make_interval(days => 3 + b.i % 25)"
OUTCOME_AT = "b.t0 + make_interval(days => 30 + b.i % 10)"
DECLINE_REASON = "(ARRAY['pas_de_place','besoins','hors_public'])[1 + b.i % 3]"
CANCEL_REASON = "maintien_detention"
ARRIVAL_DATE = "CAST(b.t0 AS date) + 30 + b.i % 10"
BIRTH_DATE = "date '1970-01-01' + (b.i % 12000)"
SITUATIONS = "ARRAY['pse','sl','fin_de_peine','sortie_6_mois','sme','tig','aucune','lc']"
SITUATION = "(" + SITUATIONS + ")[1 + b.i % 8]"
# k → the status referral i ends in (11–19: arrived); the events below follow it. k is i % 20,
# except that a referral older than IN_FLIGHT_DAYS is never still open, as in real life (a few
# hundred in flight): one still submitted is withdrawn (1), one awaiting its arrival arrived (11).
IN_FLIGHT_DAYS = 60
STATUS_OF = {
    0: Status.SUBMITTED,
    1: Status.WITHDRAWN,
    2: Status.EXPIRED,
    3: Status.DECLINED,
    4: Status.DECLINED,
    5: Status.DECLINED,
    6: Status.NO_SHOW,
    7: Status.NO_SHOW,
    8: Status.CANCELLED,
    9: Status.REORIENTED,
    10: Status.ACCEPTED,
}


class Command(BaseCommand):
    help = "Time the statistics (page, CSV, XLSX, API, bare SQL) for N referrals (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
        parser.add_argument("--repeat", type=int, default=5)
        add_explain_argument(parser)

    def handle(self, *args, sizes, repeat, explain, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Ce banc d'essai demande PostgreSQL (DATABASE_URL).")
        targets = [page.pk for page in referral_targets()]
        if not targets:
            raise CommandError("Aucun établissement n'accepte d'orientation : lancez `make demo`.")
        for size in sizes:
            try:
                with transaction.atomic():
                    self.run(size, repeat, targets, explain)
                    raise Rollback
            except Rollback:
                pass

    # --- data -----------------------------------------------------------------------------------

    def build(self, size, targets, senders):
        """Referrals, events and stays for `size` referrals, all server-side."""
        r_table, e_table, s_table = (
            Referral._meta.db_table,
            ReferralEvent._meta.db_table,
            Stay._meta.db_table,
        )
        orgs = "ARRAY[" + ",".join(str(m.organisation_id) for m in senders) + "]"
        users = "ARRAY[" + ",".join(str(m.user_id) for m in senders) + "]"
        pages = "ARRAY[" + ",".join(str(pk) for pk in targets) + "]"
        span = YEARS * 365 * 86400
        types = "ARRAY['pse','sortie_seche','semi_liberte','siao_insertion']"
        status = (
            "CASE b.k "
            + " ".join(f"WHEN {k} THEN '{v}'" for k, v in STATUS_OF.items())
            + f" ELSE '{Status.ARRIVED}' END"
        )
        base = f"""
            SELECT s.i, s.id, s.t0,
                CASE WHEN s.i % 20 IN (0, 10) AND s.t0 < now() - interval '{IN_FLIGHT_DAYS} days'
                     THEN 1 + (s.i % 20) ELSE s.i % 20 END AS k
            FROM (
                SELECT g.i,
                    md5('bench-{size}-' || g.i)::uuid AS id,
                    timestamptz '{FIRST_YEAR}-01-01 09:00+01'
                        + make_interval(secs => g.i::float8 * {span} / {size}) AS t0
                FROM generate_series(0, {size} - 1) AS g(i)
            ) s
        """
        columns = {}
        for field in Referral._meta.concrete_fields:
            if field.null:
                columns[field.column] = "NULL"
            elif isinstance(field, models.BooleanField):
                columns[field.column] = "false"
            elif isinstance(field, models.JSONField):
                columns[field.column] = "'{}'"
            else:
                columns[field.column] = "''"
        reoriented_to = f"({pages})[1 + b.i % {len(targets)}]"
        columns.update(
            id="b.id",
            reference="'Z' || lpad(b.i::text, 11, '0')",
            status=status,
            status_changed_at="b.t0 + interval '40 days'",
            version="1",
            organisation_id=f"({orgs})[1 + b.i % {len(senders)}]",
            officer_id=f"({users})[1 + b.i % {len(senders)}]",
            first_name="'Prénom'",
            last_name="'Nom' || b.i",
            birth_date=BIRTH_DATE,
            gender="'homme'",
            location="'prison'",
            judicial_situation=SITUATION,
            release_date="CAST(b.t0 AS date) + 20",
            referral_type=f"({types})[1 + b.i % 4]",
            target_id=f"({pages})[1 + (b.i / 7) % {len(targets)}]",
            housing_need="'insertion'",
            employment_need="'emploi'",
            ties_need="'maintien'",
            consent="true",
            created_at="b.t0",
            updated_at="b.t0 + interval '40 days'",
            submitted_at="b.t0 + interval '1 hour'",
            # The facts (`referrals/facts.py`), as the events below say them.
            fact_first_decision_at=f"CASE WHEN b.k >= 3 THEN {DECISION_AT} END",
            fact_accepted="b.k >= 6",
            fact_declined="b.k BETWEEN 3 AND 5",
            fact_decline_reason=f"CASE WHEN b.k BETWEEN 3 AND 5 THEN {DECLINE_REASON} ELSE '' END",
            fact_outcome=(
                "CASE WHEN b.k IN (6, 7) THEN 'record_no_show'"
                " WHEN b.k = 8 THEN 'cancel' WHEN b.k = 9 THEN 'reorient'"
                " WHEN b.k >= 11 THEN 'record_arrival' ELSE '' END"
            ),
            fact_outcome_at=f"CASE WHEN b.k BETWEEN 6 AND 9 OR b.k >= 11 THEN {OUTCOME_AT} END",
            fact_outcome_reason=f"CASE WHEN b.k = 8 THEN '{CANCEL_REASON}' ELSE '' END",
            fact_arrival_date=f"CASE WHEN b.k >= 11 THEN {ARRIVAL_DATE} END",
            fact_reoriented_to=f"CASE WHEN b.k = 9 THEN {reoriented_to} END",
            fact_day_centre="b.i % 40 = 6",
            fact_closed_at=(
                "CASE WHEN b.k = 1 THEN b.t0 + interval '2 days'"
                " WHEN b.k = 2 THEN b.t0 + interval '31 days'"
                f" WHEN b.k >= 3 THEN {DECISION_AT} END"
            ),
            fact_closing=(
                "CASE WHEN b.k = 1 THEN 'withdraw' WHEN b.k = 2 THEN 'expire' ELSE '' END"
            ),
            fact_closing_at=(
                "CASE WHEN b.k = 1 THEN b.t0 + interval '2 days'"
                " WHEN b.k = 2 THEN b.t0 + interval '31 days' END"
            ),
        )
        names = ", ".join(columns)
        values = ", ".join(columns.values())
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {r_table} ({names}) SELECT {values} FROM ({base}) b")

            def events(action, kind, when, where, from_status="", to_status="", data="'{}'"):
                cursor.execute(
                    f"""INSERT INTO {e_table} (referral_id, kind, action, from_status, to_status,
                        comment, data, created_at)
                    SELECT b.id, '{kind}', '{action}', '{from_status}', '{to_status}', '',
                        {data}::jsonb, {when}
                    FROM ({base}) b WHERE {where}"""
                )

            decided = "b.k >= 3"
            t = ReferralEvent.Kind.TRANSITION
            decision_at, outcome_at = DECISION_AT, OUTCOME_AT
            events(Action.CREATED, ReferralEvent.Kind.CREATED, "b.t0", "true")
            events(Action.SUBMIT, t, "b.t0 + interval '1 hour'", "true", "draft", "submitted")
            events(Action.WITHDRAW, t, "b.t0 + interval '2 days'", "b.k = 1", "submitted")
            events(Action.REQUEST_INFO, t, "b.t0 + interval '1 day'", "b.k = 2", "submitted")
            events(Action.EXPIRE, t, "b.t0 + interval '31 days'", "b.k = 2", "info_requested")
            events(
                Action.SCHEDULE, t, "b.t0 + interval '2 days'", decided, "submitted", "under_review"
            )
            events(
                Action.DECLINE,
                t,
                decision_at,
                "b.k BETWEEN 3 AND 5",
                "under_review",
                "declined",
                f"json_build_object('reason', {DECLINE_REASON})",
            )
            events(Action.ACCEPT, t, decision_at, "b.k >= 6", "under_review", "accepted")
            events(
                Action.RECORD_NO_SHOW,
                t,
                outcome_at,
                "b.k IN (6, 7)",
                "accepted",
                "no_show",
                "CASE WHEN b.i % 40 = 6 THEN json_build_object('day_centre_contact_date', "
                "CAST(b.t0 AS date) + 45) ELSE '{}'::json END",
            )
            events(
                Action.CANCEL,
                t,
                outcome_at,
                "b.k = 8",
                "accepted",
                "cancelled",
                f"json_build_object('reason', '{CANCEL_REASON}')",
            )
            events(
                Action.REORIENT,
                t,
                outcome_at,
                "b.k = 9",
                "accepted",
                "reoriented",
                f"json_build_object('to_target', {reoriented_to})",
            )
            events(
                Action.RECORD_ARRIVAL,
                t,
                outcome_at,
                "b.k >= 11",
                "accepted",
                "arrived",
                f"json_build_object('arrival_date', {ARRIVAL_DATE})",
            )
            exits = "ARRAY['logement_autonome','autre_hebergement','emploi_formation'," + (
                "'fin_de_mesure','revocation','depart_sans_prevenir','exclusion','autre']"
            )
            cursor.execute(
                f"""INSERT INTO {s_table} (id, referral_id, establishment_id, place_type,
                    arrival_date, departure_date, exit_kind, exit_employment, exit_training,
                    measure, measure_completed, birth_year, gender, justice_public,
                    created_at, updated_at)
                SELECT md5('stay-' || b.id::text)::uuid, b.id,
                    ({pages})[1 + (b.i / 7) % {len(targets)}], 'insertion',
                    CAST(b.t0 AS date) + 30 + b.i % 10,
                    CASE WHEN CAST(b.t0 AS date) + 40 + b.i % 500 < current_date
                         THEN CAST(b.t0 AS date) + 40 + b.i % 500 END,
                    CASE WHEN CAST(b.t0 AS date) + 40 + b.i % 500 < current_date
                         THEN ({exits})[1 + b.i % 8] ELSE '' END,
                    b.i % 3 = 0, false,
                    CASE WHEN b.i % 4 = 0 THEN 'pse' ELSE '' END,
                    CASE WHEN b.i % 4 = 0 AND CAST(b.t0 AS date) + 40 + b.i % 500 < current_date
                         THEN b.i % 5 <> 0 END,
                    CAST(EXTRACT(YEAR FROM {BIRTH_DATE}) AS integer), 'homme',
                    {SITUATION} <> 'aucune', b.t0, b.t0
                FROM ({base}) b WHERE b.k >= 11"""
            )
            cursor.execute(f"ANALYZE {r_table}, {e_table}, {s_table}")

    # --- timings --------------------------------------------------------------------------------

    def run(self, size, repeat, targets, explain=0):
        senders = [partner() for _index in range(10)]
        start = time.perf_counter()
        self.build(size, targets, senders)
        events = ReferralEvent.objects.count()
        self.stdout.write(
            f"\n{size} orientations, {events} événements créés en "
            f"{time.perf_counter() - start:.1f} s ({len(targets)} établissements)"
        )
        internal = Organisation.objects.filter(kind=Organisation.Kind.ILOT).first() or (
            Organisation.objects.create(name="Benchmark interne", kind=Organisation.Kind.ILOT)
        )
        user = partner().user
        membership = Membership.objects.create(user=user, organisation=internal)
        InternalRole.objects.create(membership=membership, role=InternalRole.Role.MANAGEMENT)
        Membership.objects.filter(user=user).exclude(pk=membership.pk).delete()
        if security.mfa_required(user) and not security.has_mfa(user):
            # Management signs in with MFA (accounts.security): give it an authenticator.
            TOTP.activate(user, generate_totp_secret())
        user.refresh_from_db(fields=["session_epoch"])  # the session hash includes it
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session["current_organisation_id"] = internal.pk
        session.save()
        _token, plaintext = APIToken.create_token(user=user, name="benchmark")
        year = {"year": MEASURED_YEAR}
        cases = [
            ("page annuelle (direction)", "/commission/bilan/", year, {}),
            ("export CSV", "/commission/bilan/", {**year, "format": "csv"}, {}),
            ("export XLSX", "/commission/bilan/", {**year, "format": "xlsx"}, {}),
            (
                "API /statistics",
                "/api/orientations/v1/statistics",
                year,
                {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"},
            ),
        ]
        bare = self.bare_sql(repeat)
        for label, path, params, headers in cases:
            timings = []
            for _index in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    response = client.get(path, params, **headers)
                    timings.append(time.perf_counter() - began)
            median = statistics.median(timings) * 1000
            self.stdout.write(
                f"{label:<28} HTTP {response.status_code}  médiane {median:7.1f} ms"
                f"  ({median / bare:4.1f} × SQL nu)  requêtes SQL {len(queries.captured_queries)}"
            )
            if explain:
                explain_slowest(self.stdout, queries.captured_queries, explain)
        self.stdout.write(f"{'SQL nu (GROUP BY)':<28}           médiane {bare:7.1f} ms")

    def bare_sql(self, repeat) -> float:
        """The headline counts of the year in one plain GROUP BY (establishment × action)."""
        sql = f"""
            SELECT r.target_id, e.action, COUNT(*)
            FROM {ReferralEvent._meta.db_table} e
            JOIN {Referral._meta.db_table} r ON r.id = e.referral_id
            WHERE e.kind = 'transition'
              AND e.action IN ('{Action.ACCEPT}', '{Action.DECLINE}', '{Action.RECORD_ARRIVAL}',
                               '{Action.RECORD_NO_SHOW}', '{Action.REORIENT}', '{Action.CANCEL}')
              AND e.created_at >= '{MEASURED_YEAR}-01-01' AND e.created_at < '{MEASURED_YEAR + 1}-01-01'
            GROUP BY r.target_id, e.action
        """  # noqa: E501
        timings = []
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            for _index in range(repeat):
                began = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                timings.append(time.perf_counter() - began)
        return statistics.median(timings) * 1000
