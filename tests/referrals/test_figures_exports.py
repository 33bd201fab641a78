"""The yearly figures' exports go through the shared writer: an establishment whose title
begins with `=` never becomes a formula, in CSV or XLSX."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import InternalRole
from referrals import workflow
from referrals.choices import Action
from referrals.permissions import Actor
from tests.factories import MembershipFactory
from tests.referrals.factories import EstablishmentFactory, ReferralFactory, commission_member
from tests.utils import login

pytestmark = pytest.mark.django_db
URL = reverse("commission:figures")
TITLE = '=HYPERLINK("http://evil.example","CHU")'


@pytest.fixture
def hostile_establishment():
    establishment = EstablishmentFactory(title=TITLE)
    head = commission_member(establishment, InternalRole.Role.HEAD)
    actor = Actor.for_membership(head.user, head)
    referral = ReferralFactory(submitted=True, target=establishment, membership=MembershipFactory())
    workflow.perform(
        referral,
        Action.ACCEPT,
        actor,
        planned_admission_date=timezone.localdate(),
        urgent_justification="Sortie demain.",
    )
    return establishment, head.user


def test_csv_neutralises_a_formula_title(client, hostile_establishment):
    _establishment, head = hostile_establishment
    login(client, head)
    response = client.get(URL, {"format": "csv"})
    assert response.status_code == 200
    content = response.content.decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    titles = {row[1] for row in rows[1:]}
    assert titles == {"'" + TITLE}


def test_xlsx_export_has_the_same_rows_with_text_titles(client, hostile_establishment):
    _establishment, head = hostile_establishment
    login(client, head)
    year = timezone.localdate().year
    response = client.get(URL, {"format": "xlsx", "year": year})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="bilan-orientations-{year}.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Période", "Établissement")
    processed = next(row for row in rows if row[4] == "Demandes traitées")
    assert processed[:6] == (str(year), TITLE, "Ensemble", None, "Demandes traitées", 1)
    assert sheet["B2"].data_type == "s"
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(URL, {"format": "csv", "year": year}).content.decode().lstrip("\ufeff")
            ),
            delimiter=";",
        )
    )
    assert len(csv_rows) == len(rows)
