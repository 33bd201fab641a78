"""Demo data for the portal, loaded by `manage.py load_demo` through the real workflow:
commission teams and referrals in every state (`base`), the 2019 CHU La Passerelle data set
that the yearly figures are checked against (`passerelle_2019`), and the 2019 stays of the CHRS
Chemin Vert that the stay figures are checked against (`chemin_vert_2019`), and the O2R
programme's 2025 funders' indicators (`o2r_2025`)."""

from core.notifications import muted

from . import base, chemin_vert_2019, o2r_2025, passerelle_2019


def load() -> dict:
    """Demo data is not news: nobody is emailed while it loads."""
    with muted():
        pages = base.establishments()
        logins = base.load_teams(pages)
        created = base.load_referrals(pages)
        created += passerelle_2019.load()
        stays = chemin_vert_2019.load() + o2r_2025.load()
    return {"logins": logins, "referrals_created": created, "stays_created": stays}
