"""Users, organisations, memberships, internal L'Îlot roles and invitations."""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class UserManager(DjangoUserManager):
    """Email is the login: there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    daily_digest = models.BooleanField(
        _("recevoir un résumé quotidien"),
        default=False,
        help_text=_("Sinon, un message est envoyé à chaque événement."),
    )
    # Raised to end every session of the person at once (accounts.security.end_all_sessions):
    # it is part of the session's authentication hash, checked by Django on every request.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_session_auth_hash(self):
        """Django's hash of the password, plus the session epoch once it was raised (epoch 0
        keeps the hash, so that sessions opened before this field existed stay valid)."""
        if not self.session_epoch:
            return super().get_session_auth_hash()
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_fallback_hash(self):
        if not self.session_epoch:
            yield from super().get_session_auth_fallback_hash()
            return
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield salted_hmac(
                "accounts.User.get_session_auth_hash",
                f"{self.password}:{self.session_epoch}",
                secret=secret,
                algorithm="sha256",
            ).hexdigest()

    def active_memberships(self):
        return self.memberships.filter(is_active=True, organisation__is_active=True).select_related(
            "organisation"
        )


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SPIP = "spip", _("SPIP")
        SIAO = "siao", _("SIAO")
        FRANCE_TRAVAIL = "france_travail", _("France Travail")
        PARTNER = "partner", _("Autre partenaire")
        ILOT = "ilot", _("Équipe interne de L'Îlot")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    departement = models.CharField(
        _("département"), max_length=3, blank=True, help_text=_("Code, par exemple 80 ou 2A.")
    )
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        db_index=True,
        validators=[
            RegexValidator(r"^\d{14}$", _("Le SIRET compte exactement 14 chiffres, sans espace."))
        ],
        help_text=_(
            "Facultatif. Permet d'indiquer les administrateurs de l'organisation à un agent qui "
            "s'identifie avec ProConnect sans avoir encore de compte."
        ),
    )
    require_mfa = models.BooleanField(
        _("double authentification obligatoire pour tous les membres"),
        default=False,
        help_text=_(
            "Chaque membre devra activer la double authentification avant d'accéder au portail. "
            "Elle est déjà obligatoire pour les administrateurs de l'organisation."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.ILOT


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Membre")
        ADMIN = "admin", _("Administrateur de l'organisation")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation}"


class InternalRole(models.Model):
    """A role of a member of L'Îlot's internal team, for one establishment or programme
    (commission member, head) or for the whole association (management, editor)."""

    class Role(models.TextChoices):
        COMMISSION_MEMBER = "commission_member", _("Membre de la commission")
        HEAD = "head", _("Chef d'établissement")
        MANAGEMENT = "management", _("Direction")
        EDITOR = "editor", _("Éditeur du site")
        DPO = "dpo", _("Délégué à la protection des données")

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="internal_roles"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    establishment = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("établissement ou programme"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rôle interne")
        verbose_name_plural = _("rôles internes")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "role", "establishment"], name="unique_internal_role"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    role__in=["commission_member", "head"], establishment__isnull=False
                )
                | models.Q(role__in=["management", "editor", "dpo"], establishment__isnull=True),
                name="internal_role_scope",
            ),
        ]

    def __str__(self):
        if self.establishment_id:
            return f"{self.get_role_display()} — {self.establishment}"
        return self.get_role_display()


def _new_invitation_key() -> str:
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An email address invited into an organisation. The link carries a signed, timestamped
    copy of `key`: resending rotates the key, accepting marks it used."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(
        _("rôle"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(max_length=64, unique=True, default=_new_invitation_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="unique_pending_invitation",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @property
    def expires_at(self):
        return self.sent_at + timedelta(days=settings.INVITATION_VALIDITY_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    def rotate_key(self):
        self.key = _new_invitation_key()
        self.sent_at = timezone.now()


class PendingNotification(models.Model):
    """A notification held back for the daily digest of a user who chose one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_notifications"
    )
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.subject


class LoginEvent(models.Model):
    """A line of the access journal: for now, sign-ins with ProConnect and the linking or
    unlinking of a ProConnect identity. Append-only: a line is never changed or deleted by the
    application. (The full journal of every sign-in is another issue.)"""

    class Kind(models.TextChoices):
        PROCONNECT_LOGIN = "proconnect_login", _("Connexion avec ProConnect")
        PROCONNECT_LINKED = "proconnect_linked", _("ProConnect relié au compte")
        PROCONNECT_UNLINKED = "proconnect_unlinked", _("ProConnect délié du compte")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="login_events"
    )
    kind = models.CharField(_("événement"), max_length=30, choices=Kind.choices)
    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    # What the identity provider said about this sign-in: `idp_id` (which ministry's or
    # agency's directory) and `amr` (how the person authenticated). No name, no email.
    detail = models.JSONField(_("détail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("connexion")
        verbose_name_plural = _("journal des connexions")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The access journal is append-only.")
        super().save(*args, **kwargs)


class APITokenExpiry(models.Model):
    """When a personal API token stops working (wagtail's APIToken has no such field). No row,
    or no date: the token does not expire (tokens made before expiry existed)."""

    token = models.OneToOneField(
        "wagtailcore.APIToken", primary_key=True, on_delete=models.CASCADE, related_name="expiry"
    )
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)

    class Meta:
        verbose_name = _("expiration d'un jeton d'API")
        verbose_name_plural = _("expirations des jetons d'API")

    def __str__(self):
        return f"{self.token} — {self.expires_at:%Y-%m-%d}" if self.expires_at else str(self.token)
