"""How a line of a referral's history reads, in French: the same sentence on the referral's page
and in the API's events."""

from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .choices import Action, Status
from .models import Referral


def _date(value):
    parsed = parse_date(value) if value else None
    return date_format(parsed, "j F Y") if parsed else "—"


def event_label(event) -> str:
    """A French sentence for one line of the history."""
    if event.action == Action.CREATED:
        return _("Brouillon créé")
    if event.action == Action.REORIENTED_IN:
        return _("Demande reçue par réorientation de %(ref)s") % {"ref": event.data.get("from")}
    if event.action == Action.RELEASE_DATE_CHANGED:
        return _("Date de sortie modifiée : %(old)s → %(new)s") % {
            "old": _date(event.data.get("from")),
            "new": _date(event.data.get("to")),
        }
    if event.action == Action.RECTIFIED:
        changes = event.data.get("changes")
        if not changes:  # anonymised: only the names of the fields remain
            return _("Données de la personne rectifiées")
        return _("Données rectifiées : %(changes)s") % {
            "changes": " ; ".join(
                f"{_field_label(name)} « {old} » → « {new} »"
                for name, (old, new) in changes.items()
            )
        }
    if event.action == Action.REASSIGNED:
        parts = []
        if "officer" in event.data:
            parts.append(_("référent « %s » → « %s »") % tuple(event.data["officer"]))
        if "second_contact" in event.data:
            parts.append(_("second contact « %s » → « %s »") % tuple(event.data["second_contact"]))
        return _("Suivi réattribué : %(changes)s") % {"changes": " ; ".join(parts)}
    if event.action == Action.DOCUMENT_ADDED:
        return _("Document ajouté")
    if event.to_status:
        label = Status(event.to_status).label
        if event.action == Action.ACCEPT and event.data.get("planned_admission_date"):
            return _("%(status)s — admission prévue le %(date)s") % {
                "status": label,
                "date": _date(event.data["planned_admission_date"]),
            }
        if event.action == Action.ANSWER_INFO:
            return _("Réponse envoyée à la commission")
        if event.action == Action.CONTEST:
            return _("Avis contesté — retour en commission")
        return str(label)
    return event.get_action_display() or event.get_kind_display()


def _field_label(name) -> str:
    return str(Referral._meta.get_field(name).verbose_name)
