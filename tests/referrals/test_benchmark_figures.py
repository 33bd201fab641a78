"""The statistics benchmark still runs (a benchmark, not a timed test: only that each case
answers 200 with the same number of queries at two sizes, and that the data it builds is gone)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from referrals.models import Referral, Stay
from tests.referrals.factories import EstablishmentFactory

pytestmark = pytest.mark.django_db


def test_the_figures_benchmark_runs_and_leaves_nothing_behind():
    EstablishmentFactory(title="CHRS Chemin Vert", referral_types=["sortie_seche", "pse"])
    out = StringIO()
    call_command("benchmark_figures", sizes=[40, 400], repeat=1, stdout=out)
    lines = re.findall(r"^(.+?)\s+HTTP (\d+) .* requêtes SQL (\d+)$", out.getvalue(), re.M)
    assert len(lines) == 8, out.getvalue()
    assert {status for _label, status, _n in lines} == {"200"}
    queries = {}
    for label, _status, n in lines:
        queries.setdefault(label, set()).add(n)
    assert all(len(counts) == 1 for counts in queries.values()), queries  # constant
    assert not Referral.objects.exists() and not Stay.objects.exists()
