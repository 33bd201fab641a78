from django import template
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from referrals.choices import Status

register = template.Library()


def _date(value):
    parsed = parse_date(value) if value else None
    return date_format(parsed, "j F Y") if parsed else "—"


@register.simple_tag
def event_label(event) -> str:
    """A French sentence for one line of the history."""
    if event.action == "created":
        return _("Brouillon créé")
    if event.action == "reoriented_in":
        return _("Demande reçue par réorientation de %(ref)s") % {"ref": event.data.get("from")}
    if event.action == "release_date_changed":
        return _("Date de sortie modifiée : %(old)s → %(new)s") % {
            "old": _date(event.data.get("from")),
            "new": _date(event.data.get("to")),
        }
    if event.action == "document_added":
        return _("Document ajouté")
    if event.to_status:
        label = Status(event.to_status).label
        if event.action == "accept" and event.data.get("planned_admission_date"):
            return _("%(status)s — admission prévue le %(date)s") % {
                "status": label,
                "date": _date(event.data["planned_admission_date"]),
            }
        if event.action == "answer_info":
            return _("Réponse envoyée à la commission")
        if event.action == "contest":
            return _("Avis contesté — retour en commission")
        return str(label)
    return event.get_kind_display()
