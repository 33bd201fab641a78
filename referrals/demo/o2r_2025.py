"""Demo: the O2R "En route vers l'emploi" programme's 2025 indicators, as in its 2025 report
to its funders (seed 003): objectives, and results computed by the portal from the 2025
accompaniments (26 people, 100 % justice public, 4 % under 26, 6 months on average) or
entered by hand where the portal does not hold the data (attendance, France Travail
registration, employment at six months…).

The 26 accompaniments are "arrivals without referral" (`Stay` with no referral, no name).
Idempotent: fixed ids (uuid5); indicators are created once per programme and year."""

import uuid
from datetime import date, timedelta

from accounts.models import User
from cms.models import ProgrammePage

from ..choices import ExitKind, IndicatorMeasure
from ..models import FunderIndicator, Stay

NAMESPACE = uuid.UUID("5e0b7d7c-2b57-4a8a-9c6e-02025c0ffee1")
SLUG = "o2r-en-route-vers-l-emploi"
YEAR = 2025
PEOPLE = 26
ENDED = 10  # accompaniments ended in 2025, 6 months on average

# label, measure, unit, objective, result entered by hand (None when computed or unknown)
INDICATORS = [
    ("Nombre de bénéficiaires en 2025 (179 sur 3 ans)", IndicatorMeasure.BENEFICIARIES, "nombre", 58, None),
    ("Personnes sous main de justice ou anciens détenus", IndicatorMeasure.JUSTICE_SHARE, "%", 60, None),
    ("Jeunes de moins de 26 ans sans ressource / en rupture", IndicatorMeasure.YOUNG_SHARE, "%", 20, None),
    ("Demandeurs d'emploi de longue durée (DELD)", IndicatorMeasure.MANUAL, "%", 20, 24),
    ("Taux de présence en emploi à 6 mois", IndicatorMeasure.MANUAL, "%", 50, 19),
    ("Taux de sortie en formation certifiante et/ou qualifiante", IndicatorMeasure.MANUAL, "%", 25, 4),
    ("Personnes inscrites (et actualisées) à France Travail", IndicatorMeasure.MANUAL, "%", 85, 80),
    ("Durée moyenne de l'accompagnement", IndicatorMeasure.AVERAGE_DURATION, "mois", 9, None),
    ("Taux de présence aux rendez-vous individuels", IndicatorMeasure.MANUAL, "%", 75, 68),
    ("Taux de présence aux ateliers collectifs", IndicatorMeasure.MANUAL, "%", 55, None),
]  # fmt: skip


def _stays() -> list[dict]:
    stays = []
    durations = [150 + (index * 17) % 70 for index in range(ENDED)]
    durations[-1] += round(ENDED * 365.25 / 2) - sum(durations)  # six months on average
    for index in range(PEOPLE):
        arrival = date(YEAR, 1, 6) + timedelta(days=index * 5)
        ended = index < ENDED
        stays.append(
            {
                "arrival_date": arrival,
                "departure_date": arrival + timedelta(days=durations[index]) if ended else None,
                "exit_kind": ExitKind.OTHER if ended else "",
                # One person under 26 at the start (4 %), the others from 27 to 57.
                "birth_year": YEAR - (24 if index == 0 else 27 + (index * 7) % 31),
            }
        )
    return stays


def load() -> int:
    """Create the accompaniments and the indicators; return the number of stays created."""
    page = ProgrammePage.objects.filter(slug=SLUG).first()
    if page is None:
        return 0
    head = User.objects.filter(email="direction@demo.ilot.test").first()
    ids = [uuid.uuid5(NAMESPACE, f"{SLUG}-{YEAR}-{index:02d}") for index in range(PEOPLE)]
    existing = set(Stay.objects.filter(pk__in=ids).values_list("pk", flat=True))
    new = [
        Stay(id=pk, establishment=page, gender="homme", justice_public=True, **values)
        for pk, values in zip(ids, _stays(), strict=True)
        if pk not in existing
    ]
    Stay.objects.bulk_create(new)
    if not FunderIndicator.objects.filter(programme=page, year=YEAR).exists():
        FunderIndicator.objects.bulk_create(
            FunderIndicator(
                programme=page,
                year=YEAR,
                order=order,
                label=label,
                measure=measure,
                unit=unit,
                objective=objective,
                manual_result=result,
                updated_by=head,
            )
            for order, (label, measure, unit, objective, result) in enumerate(INDICATORS)
        )
    return len(new)
