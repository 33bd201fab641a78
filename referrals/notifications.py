"""One class per email. Emails carry the reference and a link, never a name, a judicial or a
health detail."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import InternalRole, Membership
from core.notifications import EmailNotification

from .choices import Action


def commission_emails(target_id) -> list[str]:
    return list(
        Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            organisation__is_active=True,
            internal_roles__establishment_id=target_id,
            internal_roles__role__in=[InternalRole.Role.COMMISSION_MEMBER, InternalRole.Role.HEAD],
        )
        .values_list("user__email", flat=True)
        .distinct()
    )


def partner_emails(referral) -> list[str]:
    """The officer and the second contact, while they are active members of the referring
    organisation: a deactivated member is told nothing more (reassign their referrals)."""
    followers = [pk for pk in (referral.officer_id, referral.second_contact_id) if pk]
    emails = dict(
        Membership.objects.filter(
            organisation_id=referral.organisation_id,
            user_id__in=followers,
            is_active=True,
            user__is_active=True,
            organisation__is_active=True,
        ).values_list("user_id", "user__email")
    )
    return [emails[pk] for pk in followers if pk in emails]


class ReferralNotification(EmailNotification):
    template_name = "referrals/emails/referral"
    to_commission = False
    subject: str
    summary: str

    def __init__(self, referral, **extra):
        recipients = (
            commission_emails(referral.target_id)
            if self.to_commission
            else partner_emails(referral)
        )
        super().__init__(
            recipients,
            reference=referral.reference,
            subject=self.subject,
            summary=self.summary,
            path=reverse("referrals:detail", args=[referral.pk]),
            **extra,
        )

    def digest_text(self):
        return f"{self.context['summary']}\n{self.context['site_url']}{self.context['path']}"


# To the commission of the target
class ReferralSubmitted(ReferralNotification):
    to_commission = True
    subject = _("nouvelle demande d'orientation")
    summary = _("Une nouvelle demande d'orientation a été transmise à votre commission.")


class InformationReceived(ReferralNotification):
    to_commission = True
    subject = _("réponse du partenaire")
    summary = _("Le partenaire a répondu à votre demande d'informations.")


class ReferralWithdrawn(ReferralNotification):
    to_commission = True
    subject = _("demande retirée")
    summary = _("Le partenaire a retiré sa demande d'orientation.")


class DeclineContested(ReferralNotification):
    to_commission = True
    subject = _("avis défavorable contesté")
    summary = _("Le partenaire conteste l'avis défavorable : la demande revient en commission.")


class ReleaseDateChanged(ReferralNotification):
    to_commission = True
    subject = _("date de sortie modifiée")
    summary = _("Le partenaire a modifié la date de sortie ou de début de mesure prévue.")


# To the referring officer (and the second contact)
class InformationRequested(ReferralNotification):
    subject = _("informations demandées")
    summary = _("La commission a besoin d'informations complémentaires pour étudier la demande.")


class ReferralScheduled(ReferralNotification):
    subject = _("inscrite en commission")
    summary = _("La demande a été inscrite à l'ordre du jour d'une commission.")


class ReferralAccepted(ReferralNotification):
    subject = _("avis favorable")
    summary = _("La commission a rendu un avis favorable. La date d'admission est sur le portail.")


class ReferralDeclined(ReferralNotification):
    subject = _("avis défavorable")
    summary = _(
        "La commission a rendu un avis défavorable. Le motif et le message de la commission sont "
        "sur le portail, où vous pouvez contester l'avis."
    )


class ReferralReoriented(ReferralNotification):
    subject = _("réorientée")
    summary = _("La demande a été réorientée vers un autre établissement de L'Îlot.")


class OutcomeRecorded(ReferralNotification):
    subject = _("suite de l'admission")
    summary = _("L'établissement a enregistré la suite donnée à l'admission.")


class ReferralExpired(ReferralNotification):
    subject = _("demande expirée")
    summary = _(
        "La demande d'informations est restée sans réponse : la demande a expiré. "
        "Vous pouvez en créer une nouvelle."
    )


class ReferralClosedUnanswered(ReferralNotification):
    subject = _("demande close sans décision")
    summary = _(
        "La demande est restée sans décision de la commission pendant plusieurs semaines : elle "
        "est close. Contactez l'établissement ou créez une nouvelle demande si besoin."
    )


class ReferralReassigned(ReferralNotification):
    subject = _("orientation confiée")
    summary = _(
        "Le suivi de cette demande d'orientation vous est confié (nouveau référent ou second "
        "contact), par l'administrateur de votre organisation."
    )

    def __init__(self, referral, followers):
        super().__init__(referral)
        # Only the newly named followers (who are among the referral's active followers).
        emails = {user.email for user in followers}
        self.recipients = [email for email in self.recipients if email in emails]


class NewMessage(ReferralNotification):
    subject = _("nouveau message")
    summary = _("Un nouveau message a été publié sur la demande d'orientation.")

    def __init__(self, referral, from_partner: bool):
        self.to_commission = from_partner
        super().__init__(referral)


BY_TRANSITION = {
    Action.SUBMIT: ReferralSubmitted,
    Action.REQUEST_INFO: InformationRequested,
    Action.ANSWER_INFO: InformationReceived,
    Action.SCHEDULE: ReferralScheduled,
    Action.ACCEPT: ReferralAccepted,
    Action.DECLINE: ReferralDeclined,
    Action.REORIENT: ReferralReoriented,
    Action.RECORD_ARRIVAL: OutcomeRecorded,
    Action.RECORD_NO_SHOW: OutcomeRecorded,
    Action.CANCEL: OutcomeRecorded,
    Action.CONTEST: DeclineContested,
    Action.WITHDRAW: ReferralWithdrawn,
    Action.EXPIRE: ReferralExpired,
    Action.CLOSE_UNANSWERED: ReferralClosedUnanswered,
}


def for_transition(action: Action, referral):
    BY_TRANSITION[action](referral).send()


class DecisionReminder(ReferralNotification):
    to_commission = True
    subject = _("rappel : décision attendue")
    summary = _("Cette demande attend une décision de votre commission depuis plusieurs jours.")


class OutcomeReminder(ReferralNotification):
    to_commission = True
    subject = _("rappel : suite de l'admission à enregistrer")
    summary = _(
        "La date d'admission prévue est passée : enregistrez l'arrivée, l'absence ou l'annulation."
    )
