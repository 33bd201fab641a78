"""Demo history: the stays of the CHRS Chemin Vert in 2019, shaped exactly like the 2019
activity report's page on the establishment.

113 men hosted and supported in 2019 (51 present on 1 January, 62 new entries), 100 % justice
public, average age 36 at arrival; 53 departures in 2019 with an average stay of 12 months;
43 positive exits, 93 % of them (40) with autonomous housing and 37 % (16) with a job or a
training; 31 people in PSE, all new entries of 2019 (half of the 62), 84 % of whom (26) completed
the measure there and 16 of whom (52 %) were in work at its end. The 60 people still there at the
end of 2019 leave during 2020, so that the demo's occupancy today starts empty.

These people arrived before the portal existed: they are "arrivals without referral" (`Stay`
with no referral), entered by the head of the establishment, with only what the figures need
(birth year, gender, justice public, measure). Nobody is named.

`referrals.figures.definitions.period_figures(Period.year(2019))` must find these numbers by
itself. Idempotent: each stay has a fixed id (uuid5)."""

import uuid
from datetime import date, timedelta

from accounts.models import User

from ..choices import ExitKind
from ..models import Stay
from .base import establishments

NAMESPACE = uuid.UUID("0c3e6a52-7d0b-4b8e-a2f1-2019c4e3141f")
SLUG = "chrs-chemin-vert"
HEAD = "chef.chemin-vert@demo.ilot.test"
YEAR_START = date(2019, 1, 1)
HOSTED = 113
AVERAGE_AGE = 36
# Mean stay of the 53 departures of 2019: 12 months of 365.25 / 12 days.
TOTAL_EXIT_DAYS = round(53 * 365.25)


def _stays() -> list[dict]:
    """The 113 stays, as plain values (no database), so that the shape can be checked."""
    stays = []
    # 31 PSE, new entries of 2019, all gone by the end of the year: 26 completed the measure
    # (16 in work; 24 to autonomous housing, 2 to other accommodation), 5 revoked.
    for index in range(31):
        arrival = YEAR_START + timedelta(days=5 + index * 6)
        duration = 120 + (index * 7) % 60
        completed = index < 26
        if completed:
            kind = ExitKind.AUTONOMOUS_HOUSING if index < 24 else ExitKind.OTHER_ACCOMMODATION
        else:
            kind = ExitKind.MEASURE_REVOKED
        stays.append(
            {
                "arrival_date": arrival,
                "departure_date": arrival + timedelta(days=duration),
                "exit_kind": kind,
                "exit_employment": index < 16,
                "measure": "pse",
                "measure_completed": completed,
            }
        )
    # 51 present on 1 January 2019: 22 leave in 2019 (17 positive: 16 autonomous housing, 1
    # other accommodation; 5 not: 3 without notice, 2 exclusions), 29 stay into 2020.
    pse_days = sum((stay["departure_date"] - stay["arrival_date"]).days for stay in stays)
    remaining = TOTAL_EXIT_DAYS - pse_days
    kinds = (
        [ExitKind.AUTONOMOUS_HOUSING] * 16
        + [ExitKind.OTHER_ACCOMMODATION]
        + [ExitKind.LEFT_WITHOUT_NOTICE] * 3
        + [ExitKind.EXCLUSION] * 2
    )
    for index, kind in enumerate(kinds):
        departure = YEAR_START + timedelta(days=10 + index * 16)
        duration = remaining // 22 + (index % 5 - 2) * 30
        if index == len(kinds) - 1:
            duration = remaining - sum(
                (s["departure_date"] - s["arrival_date"]).days for s in stays[31:]
            )
        stays.append(
            {
                "arrival_date": departure - timedelta(days=duration),
                "departure_date": departure,
                "exit_kind": kind,
            }
        )
    for index in range(29):
        stays.append(
            {
                "arrival_date": YEAR_START - timedelta(days=40 + index * 17),
                "departure_date": date(2020, 1, 20) + timedelta(days=index * 9),
                "exit_kind": ExitKind.AUTONOMOUS_HOUSING if index % 3 else ExitKind.OTHER,
            }
        )
    # 31 other new entries of 2019, still there at its end, leaving in 2020.
    for index in range(31):
        stays.append(
            {
                "arrival_date": YEAR_START + timedelta(days=20 + index * 10),
                "departure_date": date(2020, 3, 2) + timedelta(days=index * 7),
                "exit_kind": ExitKind.AUTONOMOUS_HOUSING
                if index % 4
                else ExitKind.OTHER_ACCOMMODATION,
            }
        )
    # Measures of the others: 1 in semi-liberté (32 sentence adjustments with the 31 PSE),
    # 40 alternative sentences (30 sursis probatoire, 10 TIG), the rest at the end of a sentence.
    others = stays[31:]
    for index, stay in enumerate(others):
        if index == 0:
            stay["measure"] = "sl"
        elif index <= 30:
            stay["measure"] = "sme"
        elif index <= 40:
            stay["measure"] = "tig"
        else:
            stay["measure"] = "fin_de_peine"
    # Ages at arrival: from 21 to 58, averaging exactly 36.
    ages = [22 + (index * 11) % 30 for index in range(HOSTED)]
    gap = AVERAGE_AGE * HOSTED - sum(ages)
    for index in range(abs(gap)):
        ages[index] += 1 if gap > 0 else -1
    for stay, age in zip(stays, ages, strict=True):
        stay["birth_year"] = stay["arrival_date"].year - age
    return stays


def load() -> int:
    """Create the stays; return how many were created (113 on a first load, 0 afterwards)."""
    pages = establishments()
    page = pages.get(SLUG)
    if page is None:
        return 0
    head = User.objects.filter(email=HEAD).first()
    ids = [uuid.uuid5(NAMESPACE, f"{SLUG}-2019-{index:03d}") for index in range(HOSTED)]
    existing = set(Stay.objects.filter(pk__in=ids).values_list("pk", flat=True))
    new = [
        Stay(
            id=pk,
            establishment=page,
            place_type="insertion",
            gender="homme",
            justice_public=True,
            recorded_by=head,
            exit_training=False,
            **values,
        )
        for pk, values in zip(ids, _stays(), strict=True)
        if pk not in existing
    ]
    Stay.objects.bulk_create(new)
    return len(new)
