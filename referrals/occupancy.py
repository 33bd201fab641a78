"""Occupancy: the places occupied in an establishment, by place type, beside the capacity its
editors publish on its page.

- **occupied today**: stays without a departure (arrivals of referrals and arrivals without
  referral alike);
- **awaiting**: referrals accepted there and waiting for the arrival; at a date, those whose
  planned admission is on or before it;
- **free today** = capacity − occupied; **free at a date** = capacity − occupied − awaiting by
  that date (departures are not planned, so none is assumed).

Free places may be negative (more people than published places): shown as such, never hidden.
Two queries whatever the number of establishments (stays and awaiting referrals, grouped)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q

from cms.choices import PlaceType

from .choices import Status
from .models import Referral, Stay
from .targets import get_target, place_capacity


@dataclass
class PlaceLine:
    place_type: str
    capacity: int
    occupied: int = 0
    awaiting: int = 0  # accepted, planned admission on or before the projection date

    @property
    def label(self) -> str:
        return str(PlaceType(self.place_type).label) if self.place_type else "—"

    @property
    def free_today(self) -> int:
        return self.capacity - self.occupied

    @property
    def free_then(self) -> int:
        return self.capacity - self.occupied - self.awaiting


@dataclass
class Occupancy:
    page: object
    lines: list[PlaceLine] = field(default_factory=list)

    @property
    def capacity(self) -> int:
        return sum(line.capacity for line in self.lines)

    @property
    def occupied(self) -> int:
        return sum(line.occupied for line in self.lines)

    @property
    def awaiting(self) -> int:
        return sum(line.awaiting for line in self.lines)

    @property
    def free_today(self) -> int:
        return sum(line.free_today for line in self.lines)

    @property
    def free_then(self) -> int:
        return sum(line.free_then for line in self.lines)

    def line(self, place_type) -> PlaceLine | None:
        return next((line for line in self.lines if line.place_type == place_type), None)


def occupied_counts(target_ids) -> dict[tuple[int, str], int]:
    """(establishment id, place type) → stays without departure."""
    rows = (
        Stay.objects.filter(establishment_id__in=target_ids, departure_date__isnull=True)
        .order_by()
        .values_list("establishment_id", "place_type")
        .annotate(n=Count("pk"))
    )
    return {(target, place_type): n for target, place_type, n in rows}


def awaiting_counts(target_ids, until: date | None) -> dict[tuple[int, str], int]:
    """(establishment id, place type) → accepted referrals waiting for their arrival, whose
    planned admission is on or before `until` (all of them when `until` is None)."""
    accepted = Referral.objects.filter(target_id__in=target_ids, status=Status.ACCEPTED)
    if until is not None:
        accepted = accepted.filter(
            Q(planned_admission_date__lte=until) | Q(planned_admission_date__isnull=True)
        )
    rows = accepted.order_by().values_list("target_id", "place_type").annotate(n=Count("pk"))
    return {(target, place_type): n for target, place_type, n in rows}


def occupancy(pages, until: date | None = None) -> list[Occupancy]:
    """Occupancy of each page (establishments or programmes, with their places prefetched),
    one line per published place type, plus one for what has no published type."""
    ids = [page.pk for page in pages]
    occupied = occupied_counts(ids)
    awaiting = awaiting_counts(ids, until)
    result = []
    for page in pages:
        capacity = place_capacity(page)
        types = list(capacity)
        types += sorted(
            {t for (pk, t) in [*occupied, *awaiting] if pk == page.pk and t not in capacity}
        )
        result.append(
            Occupancy(
                page,
                [
                    PlaceLine(
                        t,
                        capacity.get(t, 0),
                        occupied.get((page.pk, t), 0),
                        awaiting.get((page.pk, t), 0),
                    )
                    for t in types
                ],
            )
        )
    return result


def of_target(target_id, until: date | None = None) -> Occupancy | None:
    page = get_target(target_id)
    return occupancy([page], until)[0] if page is not None else None
