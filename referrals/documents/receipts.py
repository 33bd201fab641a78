"""The receipt for the person referred: one page in easy-to-read French (FALC: short sentences,
every acronym explained) saying what was asked and where, what is held about them and why, who
can see it, how long it is kept, their rights and whom to ask, and the reference to quote. Once
the decision is taken, a second page says what was decided and what happens next.

The delays come from the retention settings (`RETENTION_*`, see `referrals.retention`), the
contact of the data protection officer from `DPO_CONTACT`; nothing here is written twice."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..choices import Status

DECIDED = {
    Status.ACCEPTED,
    Status.DECLINED,
    Status.REORIENTED,
    Status.ARRIVED,
    Status.NO_SHOW,
    Status.CANCELLED,
    Status.WITHDRAWN,
    Status.EXPIRED,
}


def in_words(days: int) -> str:
    """A delay in days as a person says it: "2 ans", "6 mois", "90 jours"."""
    if days >= 365 and days % 365 == 0:
        years = days // 365
        return ngettext("%(n)d an", "%(n)d ans", years) % {"n": years}
    if days >= 28:
        months = max(1, round(days / 30.4))
        return ngettext("%(n)d mois", "%(n)d mois", months) % {"n": months}
    return ngettext("%(n)d jour", "%(n)d jours", days) % {"n": days}


def what_is_held(referral) -> list[str]:
    """The kinds of data the referral holds about the person, in plain words (never the data)."""
    held = [
        _("Votre nom, votre prénom, votre date de naissance et votre genre."),
        _("L'endroit où vous êtes maintenant."),
        _("Votre situation avec la justice et la date prévue de votre sortie."),
        _(
            "Ce dont vous avez besoin : un hébergement, un travail ou une formation, "
            "des liens avec vos proches."
        ),
    ]
    if referral.needs_care_support:
        held.append(_("Que vous avez besoin d'aide pour vous soigner. Il n'y a pas de diagnostic."))
    if referral.wishes:
        held.append(_("Ce que vous souhaitez, dit avec vos mots."))
    if referral.contact:
        held.append(_("Comment vous joindre."))
    if referral.attachments.exists():
        held.append(_("Des documents, par exemple une décision de justice."))
    return held


def decision_page(referral) -> dict | None:
    """What was decided and what happens next, in short sentences; None before a decision."""
    status = referral.status
    if status not in DECIDED:
        return None
    establishment = referral.target.title
    if status in (Status.ACCEPTED, Status.ARRIVED):
        decided = _("La commission a dit oui. %(place)s peut vous accueillir.") % {
            "place": establishment
        }
        next_steps = [
            _("Vous êtes attendu ou attendue à %(place)s.") % {"place": establishment},
            _("Votre conseiller ou votre conseillère vous dit comment venir."),
            _("Si votre date de sortie change, dites-le vite à votre conseiller ou conseillère."),
        ]
    elif status == Status.DECLINED:
        decided = _("La commission a dit non. La raison : %(reason)s.") % {
            "reason": referral.get_decline_reason_display().lower()
        }
        next_steps = [
            _("Votre conseiller ou votre conseillère peut vous expliquer cette décision."),
            _("Il ou elle peut la contester une fois, ou chercher un autre endroit avec vous."),
        ]
    elif status == Status.REORIENTED:
        new = getattr(referral, "reoriented_to", None)
        decided = _("La commission propose un autre endroit de L'Îlot pour vous.")
        next_steps = [
            _("Une nouvelle demande est faite pour cet endroit : %(place)s.")
            % {"place": new.target.title if new else _("un autre établissement")},
            _("La référence de la nouvelle demande est : %(ref)s.")
            % {"ref": new.reference if new else "—"},
        ]
    elif status == Status.CANCELLED:
        decided = _("L'accueil prévu est annulé. La raison : %(reason)s.") % {
            "reason": referral.get_cancel_reason_display().lower()
        }
        next_steps = [_("Parlez avec votre conseiller ou votre conseillère de la suite.")]
    elif status == Status.NO_SHOW:
        decided = _("La commission avait dit oui, mais vous n'êtes pas venu ou venue.")
        next_steps = [_("Vous pouvez venir à l'accueil de jour de L'Îlot pour en parler.")]
    elif status == Status.WITHDRAWN:
        decided = _("La demande a été retirée.")
        next_steps = [_("Parlez avec votre conseiller ou votre conseillère de la suite.")]
    else:
        decided = _("La demande est fermée : il n'y a pas eu de décision.")
        next_steps = [_("Parlez avec votre conseiller ou votre conseillère de la suite.")]
    return {"decided": decided, "next_steps": next_steps}


def context(referral) -> dict:
    return {
        "referral": referral,
        "held": what_is_held(referral),
        "kept_for": in_words(settings.RETENTION_REFERRALS_DAYS),
        "documents_kept_for": in_words(settings.RETENTION_ATTACHMENTS_DAYS),
        "unanswered_after": in_words(settings.RETENTION_UNANSWERED_DAYS),
        "dpo_contact": settings.DPO_CONTACT,
        "decision": decision_page(referral),
    }
