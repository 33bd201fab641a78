"""The authorization matrix: who may open or do what, for every URL and API operation.

One row per URL name (Django URL patterns, allauth's and Wagtail's public ones included) and one
per API operation (``<namespace>:<operationId>`` of each django-ninja API's OpenAPI schema). A
URL or an operation without a row fails ``tests/authorization/test_matrix.py``: **add a row
here** (copy the closest one), then regenerate the table in the docs with
``python -m tests.authorization.render`` (``make authz-doc``).

Columns are roles; the object a row acts on always belongs to organisation A and is sent to
establishment X (a referral of A at X, a session of X, a member or invitation of A, a token of
A's member), so the "foreign" cells are those of organisation B and establishment Y.

A cell is what the role gets:

* a status code (``200``, ``302``, ``401``, ``403``, ``404``, ``405``, ``410``): for a POST, that
  status **and nothing changed** in the database;
* ``"login"``: sent to the login page;
* ``"ok"``: the action is allowed: its effect is checked (``EFFECTS`` in ``test_matrix.py``);
* ``"200+"``: a list or page that shows A's referral (the row's object, the submitted one by
  default); ``"200"`` on a list row: shown without any of A's referrals.

This module is plain data (no Django import), so the docs can be generated from it anywhere.
"""

from dataclasses import dataclass, field

ROLES = {
    "anon": "Visiteur non connecté",
    "member_a": "Partenaire, membre de l'organisation A",
    "admin_a": "Partenaire, administrateur de l'organisation A",
    "member_b": "Partenaire, membre de l'organisation B",
    "commission_x": "Membre de la commission de l'établissement X",
    "head_x": "Chef de l'établissement X",
    "commission_y": "Membre de la commission de l'établissement Y",
    "management": "Direction de L'Îlot",
    "dpo": "Délégué à la protection des données",
    "editor": "Éditeur du site",
    "superuser": "Superutilisateur (sans organisation)",
}
SIGNED_IN = [role for role in ROLES if role != "anon"]
PARTNERS_A = ("member_a", "admin_a")
COMMISSION_X = ("commission_x", "head_x")
READERS = ("management", "dpo")

# The objects rows act on (built by tests/authorization/world.py).
OBJECTS = {
    "": "aucun",
    "draft": "brouillon de A pour X (rédigé par le membre de A)",
    "submitted": "demande de A transmise à X (avec un document)",
    "info_requested": "demande de A à X, informations demandées",
    "declined": "demande de A refusée par X",
    "no_show": "demande de A acceptée par X, personne non venue",
    "accepted": "demande de A acceptée par X (attestation d'hébergement délivrée)",
    "certificate": "attestation d'hébergement de la demande acceptée",
    "stay": "séjour à X d'une personne arrivée sans orientation",
    "indicator": "indicateur des financeurs de X pour l'année en cours",
    "session": "séance de commission de X",
    "organisation": "organisation A",
    "invitation": "invitation en attente de A",
    "membership": "membre de A (un collègue)",
    "token": "jeton d'API du membre de A",
    "page": "page publique (établissement X)",
}


def cells(default, anon="login", **by_role):
    """Every role's cell: `default`, except `anon` and the roles named (groups: a tuple key
    is not possible in kwargs, so use `group(...)`)."""
    row = dict.fromkeys(ROLES, default)
    row["anon"] = anon
    for role, value in by_role.items():
        if role not in ROLES:
            raise KeyError(f"Unknown role {role!r}: one of {list(ROLES)}")
        row[role] = value
    return row


def group(roles, value) -> dict:
    return dict.fromkeys(roles, value)


@dataclass
class Row:
    key: str  # URL name ("referrals:detail"), "name[variant]", or "namespace:operationId"
    what: str  # in French, for the docs
    obj: str = ""
    get: dict | None = None  # GET cells (None: the row has no GET, e.g. an API write)
    post: dict | None = None  # POST cells (or the API operation's own method)
    query: str = ""  # query string added to the URL
    lists: bool = False  # a list: "200+" shows A's referral, "200" none of A's
    note: str = ""
    method: str = ""  # API operations: their HTTP method
    path: str = ""  # API operations: their path in the schema
    sample: tuple = field(default=())  # roles actually requested (default: all)

    @property
    def name(self) -> str:
        return self.key.split("[")[0]


ALL_200 = cells(200, anon=200)
PUBLIC_DOC = ("anon", "member_a")  # API schemas and docs: public, the same for everyone
LOGIN_THEN_200 = cells(200)
PARTNER_PAGE = cells(404, **group(PARTNERS_A, 200))
PARTNER_ACTION = cells(404, **group(PARTNERS_A, "ok"))
REFERRAL_READERS = cells(
    404, **group(PARTNERS_A, 200), **group(COMMISSION_X, 200), **group(READERS, 200)
)
ONLY_POST = cells(405)  # a POST-only view answers 405 to a signed-in GET
COMMISSION_AREA = cells(404, **group(COMMISSION_X, 200), commission_y=200, management=200)

ROWS = [
    # --- portal ---------------------------------------------------------------------------
    Row("healthz", "Sonde de santé (base, cache, serveur)", get=ALL_200),
    Row(
        "dashboard",
        "Mon espace : ce qui attend une action (ici : la demande d'informations)",
        "info_requested",
        get=cells(
            200,
            **group(PARTNERS_A, "200+"),
            commission_x="200+",
            **group(READERS, "200+"),
        ),
        lists=True,
        note=(
            "partenaires : la réponse attendue ; équipes internes : les messages non lus "
            "(le chef de X a écrit ceux de cette demande : rien de nouveau pour lui)"
        ),
    ),
    Row(
        "admin_login",
        "Connexion de l'admin Wagtail (renvoie à la connexion du portail)",
        get=cells(302, anon=302),
    ),
    Row("choose_language", "Choisir la langue", get=cells(302, anon=302)),
    Row("favicon", "favicon.ico (renvoie à l'icône)", get=cells(301, anon=301)),
    Row(
        "csp_report",
        "Rapport de violation de la politique de sécurité du contenu (CSP)",
        get=cells(405, anon=405),
        post=cells(204, anon=204),
        note="public, sans jeton CSRF : journalisé, rien n'est enregistré en base",
    ),
    # --- partner pages ----------------------------------------------------------------------
    Row(
        "referrals:list",
        "Liste des orientations",
        get=cells(
            200,
            **group(PARTNERS_A, "200+"),
            **group(COMMISSION_X, "200+"),
            **group(READERS, "200+"),
            editor=404,
            superuser=404,
        ),
        lists=True,
    ),
    Row(
        "referrals:create",
        "Créer un brouillon",
        get=cells(404, member_b=200, **group(PARTNERS_A, 200)),
        post=cells(404, member_b="ok", **group(PARTNERS_A, "ok")),
        note="un partenaire crée pour sa propre organisation",
    ),
    Row(
        "referrals:list[csv]",
        "Export CSV des orientations",
        query="format=csv",
        get=cells(
            200,
            **group(PARTNERS_A, "200+"),
            **group(COMMISSION_X, "200+"),
            **group(READERS, "200+"),
            editor=404,
            superuser=404,
        ),
        lists=True,
        note="le fichier pour les partenaires (leur organisation) ; la page pour les autres",
    ),
    Row(
        "referrals:figures",
        "Statistiques du partenaire (son organisation)",
        get=cells(404, member_b=200, **group(PARTNERS_A, 200)),
    ),
    Row(
        "referrals:figures[a]",
        "Statistiques de l'organisation A",
        query="organisation={org_a}",
        get=cells(404, **group(PARTNERS_A, 200)),
        note="celles d'une autre organisation : 404",
    ),
    Row(
        "referrals:reassign",
        "Réattribuer des demandes (ici : la demande transmise à un collègue)",
        get=cells(404, admin_a=200),
        post=cells(404, admin_a="ok"),
        note="l'administrateur de l'organisation seul",
    ),
    Row(
        "referrals:reassign[b]",
        "Réattribuer à un membre de l'organisation B",
        post=cells(404, admin_a=200),
        note="refusé : le formulaire revient, rien ne change",
    ),
    Row("referrals:detail", "Lire une orientation", "submitted", get=REFERRAL_READERS),
    Row("referrals:print", "Version imprimable", "submitted", get=REFERRAL_READERS),
    Row(
        "referrals:receipt",
        "Récépissé pour la personne (page à imprimer)",
        "submitted",
        get=PARTNER_PAGE,
    ),
    Row("referrals:receipt_pdf", "Récépissé pour la personne (PDF)", "submitted", get=PARTNER_PAGE),
    Row(
        "referrals:certificate",
        "Attestation d'hébergement (PDF)",
        "accepted",
        get=PARTNER_PAGE,
        note="la commission, qui lit la demande, n'a pas l'attestation : 404",
    ),
    Row(
        "referrals:certificate[submitted]",
        "Attestation d'hébergement d'une demande non acceptée",
        "submitted",
        get=cells(404),
        note="rien à attester : 404 pour tous",
    ),
    Row(
        "certificate_verify[inconnue]",
        "Vérification d'une attestation, jeton forgé",
        get=cells(404, anon=404),
        note="« attestation inconnue », rien d'autre",
    ),
    Row(
        "certificate_verify",
        "Vérification publique d'une attestation (jeton aléatoire)",
        "certificate",
        get=ALL_200,
        note="ni nom ni date de naissance sur cette page",
    ),
    Row(
        "referrals:edit",
        "Modifier un brouillon",
        "draft",
        get=PARTNER_PAGE,
        post=PARTNER_ACTION,
    ),
    Row(
        "referrals:delete",
        "Supprimer un brouillon",
        "draft",
        get=ONLY_POST,
        post=cells(404, member_a="ok", admin_a=302),
        note="seul l'auteur du brouillon le supprime",
    ),
    Row(
        "referrals:submit",
        "Transmettre à la commission",
        "draft",
        get=ONLY_POST,
        post=PARTNER_ACTION,
    ),
    Row(
        "referrals:answer",
        "Répondre à une demande d'informations",
        "info_requested",
        get=PARTNER_PAGE,
        post=PARTNER_ACTION,
    ),
    Row(
        "referrals:withdraw",
        "Retirer une demande",
        "submitted",
        get=PARTNER_PAGE,
        post=PARTNER_ACTION,
    ),
    Row(
        "referrals:contest",
        "Contester un avis défavorable",
        "declined",
        get=PARTNER_PAGE,
        post=PARTNER_ACTION,
    ),
    Row(
        "referrals:release_date",
        "Changer la date de sortie",
        "submitted",
        get=PARTNER_PAGE,
        post=PARTNER_ACTION,
    ),
    Row(
        "referrals:rectify",
        "Rectifier les données de la personne",
        "submitted",
        get=PARTNER_PAGE,
        post=PARTNER_ACTION,
    ),
    Row(
        "referrals:message",
        "Écrire un message",
        "submitted",
        get=ONLY_POST,
        post=cells(
            404, **group(PARTNERS_A, "ok"), **group(COMMISSION_X, "ok"), **group(READERS, 302)
        ),
        note="la direction et le DPO lisent mais n'écrivent pas",
    ),
    Row(
        "referrals:upload",
        "Ajouter un document",
        "submitted",
        get=ONLY_POST,
        post=cells(
            404, **group(PARTNERS_A, "ok"), **group(COMMISSION_X, 302), **group(READERS, 302)
        ),
    ),
    Row("referrals:attachment", "Télécharger un document", "submitted", get=REFERRAL_READERS),
    # --- commission ------------------------------------------------------------------------
    Row(
        "commission:queue",
        "File de la commission",
        get=cells(404, **group(COMMISSION_X, "200+"), commission_y=200, management="200+"),
        lists=True,
    ),
    Row(
        "commission:batch",
        "Action groupée (inscrire en séance)",
        "submitted",
        get=ONLY_POST,
        post=cells(404, **group(COMMISSION_X, "ok"), commission_y=302, management=302),
    ),
    Row(
        "commission:note",
        "Note interne",
        "submitted",
        get=ONLY_POST,
        post=cells(404, **group(COMMISSION_X, "ok"), management=302),
    ),
    Row(
        "commission:day_centre",
        "Venue à l'accueil de jour",
        "no_show",
        get=ONLY_POST,
        post=cells(404, head_x="ok", commission_x=302, management=302),
        note="le chef d'établissement seul",
    ),
    Row(
        "commission:act",
        "Action de la commission (ici : demander des informations)",
        "submitted",
        get=cells(404, **group(COMMISSION_X, 200), management=403),
        post=cells(404, **group(COMMISSION_X, "ok"), management=403),
        note="chaque action × rôle : tests/referrals/test_commission_views.py",
    ),
    Row(
        "commission:legacy_act",
        "Ancienne adresse (anglaise) d'une action : redirection permanente",
        "submitted",
        get=cells(301),
        note="ne lit pas la demande : l'adresse française décide (404 si elle n'est pas vôtre)",
    ),
    Row(
        "commission:act[accept]",
        "Action de la commission : avis favorable",
        "submitted",
        get=cells(404, head_x=200, commission_x=403, management=403),
        note="décider revient au chef d'établissement",
    ),
    Row("commission:sessions", "Séances de commission", get=COMMISSION_AREA),
    Row(
        "commission:session_create",
        "Créer une séance (pour X)",
        get=cells(404, **group(COMMISSION_X, 200), commission_y=200),
        post=cells(404, **group(COMMISSION_X, "ok"), commission_y=200),
        note="la commission de Y ne peut choisir X (formulaire refusé)",
    ),
    Row(
        "commission:session",
        "Lire une séance",
        "session",
        get=cells(404, **group(COMMISSION_X, 200), management=200),
    ),
    Row(
        "commission:session_edit",
        "Modifier une séance",
        "session",
        get=cells(404, **group(COMMISSION_X, 200)),
        post=cells(404, **group(COMMISSION_X, "ok")),
    ),
    Row(
        "commission:session_print",
        "Ordre du jour imprimable",
        "session",
        get=cells(404, **group(COMMISSION_X, 200), management=200),
    ),
    Row("commission:stays", "Séjours en cours et occupation", get=COMMISSION_AREA),
    Row(
        "commission:stay_create",
        "Enregistrer une arrivée sans orientation (à X)",
        get=cells(404, head_x=200),
        post=cells(404, head_x="ok"),
        note="le chef d'établissement seul",
    ),
    Row(
        "commission:stay_departure",
        "Enregistrer la sortie d'un séjour sans orientation",
        "stay",
        get=cells(404, head_x=200),
        post=cells(404, head_x="ok"),
        note="le chef d'établissement seul ; la commission de X lit le séjour mais : 404",
    ),
    Row("commission:figures", "Bilan annuel", get=COMMISSION_AREA),
    Row(
        "commission:figures[csv]",
        "Bilan annuel : export CSV (ses établissements)",
        query="format=csv",
        get=COMMISSION_AREA,
    ),
    Row(
        "commission:figures[lignes-csv]",
        "Bilan annuel : export ligne à ligne pseudonymisé",
        query="format=lignes-csv",
        get=cells(404, management=200),
        note="la direction seule",
    ),
    Row(
        "commission:indicators",
        "Indicateurs des financeurs de X (année en cours)",
        "indicator",
        query="programme={x}&year={year}",
        get=cells(404, management=200),
        post=cells(404, management="ok"),
        note="fixés par la direction seule",
    ),
    Row(
        "commission:figures[x]",
        "Bilan annuel de l'établissement X",
        query="establishment={x}",
        get=cells(404, **group(COMMISSION_X, 200), management=200),
    ),
    # --- the person's rights and the journal ------------------------------------------------
    Row("privacy:rights", "Droits de la personne", get=cells(404, head_x=200, dpo=200)),
    Row(
        "privacy:access_export",
        "Export du droit d'accès",
        "submitted",
        get=cells(405),
        post=cells(404, head_x="ok", dpo="ok"),
    ),
    Row(
        "privacy:erasure",
        "Effacement sur demande",
        "submitted",
        get=cells(405),
        post=cells(404, head_x="ok", dpo="ok"),
    ),
    Row(
        "privacy:journal",
        "Journal des accès",
        get=cells(404, head_x=200, management=200, dpo=200),
    ),
    # --- accounts and organisations ---------------------------------------------------------
    Row(
        "accounts:invitation",
        "Lien d'invitation",
        "invitation",
        get=cells(403, anon=200),
        post=cells(403, anon="ok"),
        note="la clé signée est le sésame ; connecté sous une autre adresse : 403",
    ),
    Row(
        "accounts:switch_organisation",
        "Changer d'organisation",
        "organisation",
        get=cells(405),
        post=cells(302),
        note="ne change que la session",
    ),
    Row(
        "accounts:members",
        "Membres de l'organisation",
        "organisation",
        get=cells(404, admin_a=200, superuser=200),
    ),
    Row(
        "accounts:security",
        "Exiger la double authentification des membres",
        "organisation",
        get=ONLY_POST,
        post=cells(404, admin_a="ok", superuser="ok"),
    ),
    Row(
        "accounts:invite",
        "Inviter un membre",
        "organisation",
        get=cells(404, admin_a=200, superuser=200),
        post=cells(404, admin_a="ok", superuser="ok"),
    ),
    Row(
        "accounts:resend_invitation",
        "Renvoyer une invitation",
        "invitation",
        get=ONLY_POST,
        post=cells(404, admin_a="ok", superuser="ok"),
    ),
    Row(
        "accounts:deactivate_member",
        "Désactiver un membre",
        "membership",
        get=ONLY_POST,
        post=cells(404, admin_a="ok", superuser="ok"),
    ),
    Row(
        "accounts:notifications",
        "Mes préférences de notification",
        get=LOGIN_THEN_200,
        post=cells("ok"),
        note="chacun ses propres préférences",
    ),
    Row(
        "accounts:tokens",
        "Mes jetons d'API",
        get=LOGIN_THEN_200,
        post=cells(302),
        note="créer un jeton demande de se ré-authentifier d'abord",
    ),
    Row(
        "accounts:token_revoke",
        "Révoquer un jeton",
        "token",
        get=cells(405),
        post=cells(404, member_a="ok"),
        note="seulement ses propres jetons",
    ),
    # --- public site --------------------------------------------------------------------------
    Row("sitemap", "Plan du site (XML)", get=ALL_200),
    Row("robots_txt", "robots.txt", get=ALL_200),
    Row("search", "Recherche du site", get=ALL_200),
    Row("wagtail_serve", "Page publique", "page", get=ALL_200),
    Row(
        "wagtaildocs_serve",
        "Document Wagtail (inexistant ici : 404 pour tous)",
        get=cells(404, anon=404),
    ),
    Row(
        "wagtaildocs_authenticate_with_password",
        "Mot de passe d'un document protégé (restriction inexistante)",
        get=cells(404, anon=404),
    ),
    Row(
        "wagtailcore_authenticate_with_password",
        "Mot de passe d'une page protégée (restriction inexistante)",
        get=cells(404, anon=404),
    ),
    Row(
        "wagtailcore_login",
        "Connexion de Wagtail pour les pages réservées (renvoie à la connexion du portail)",
        get=cells(302, anon=302),
        post=cells(302, anon=302),
    ),
]

# --- sign-in and one's own account (allauth): the same for every signed-in role, so a sample of
# roles is requested. ----------------------------------------------------------------------------
ACCOUNT_SAMPLE = ("anon", "member_a", "head_x", "superuser")


def account(what, anon, signed_in, key, obj="", post=None):
    return Row(key, what, obj, get=cells(signed_in, anon=anon), post=post, sample=ACCOUNT_SAMPLE)


ROWS += [
    account("Connexion", 200, 302, "account_login"),
    account("Déconnexion (confirmation)", 302, 200, "account_logout"),
    account("Compte inactif", 200, 200, "account_inactive"),
    account("Inscription (fermée : invitations seulement)", 200, 302, "account_signup"),
    account("Se ré-authentifier", "login", 200, "account_reauthenticate"),
    account("Mes adresses e-mail", "login", 200, "account_email"),
    account("E-mail de confirmation envoyé", 200, 200, "account_email_verification_sent"),
    account("Changer son mot de passe", "login", 200, "account_change_password"),
    account("Définir un mot de passe", "login", 302, "account_set_password"),
    account("Mot de passe oublié", 200, 200, "account_reset_password"),
    account("Code de connexion", 302, 302, "account_confirm_login_code"),
    account("Confirmer une adresse (clé invalide)", 200, 200, "account_confirm_email"),
    account("Mot de passe réinitialisé", 200, 200, "account_reset_password_from_key_done"),
    account("Nouveau mot de passe (clé invalide)", 200, 200, "account_reset_password_from_key"),
    account("Lien de réinitialisation envoyé", 200, 200, "account_reset_password_done"),
    account("Double authentification", "login", 200, "mfa_index"),
    account("Saisir le code (hors connexion en cours)", 302, 302, "mfa_authenticate"),
    account("Se ré-authentifier par code", "login", 200, "mfa_reauthenticate"),
    account("Activer TOTP", "login", 302, "mfa_activate_totp"),
    account("Désactiver TOTP", "login", 302, "mfa_deactivate_totp"),
    account("Codes de secours (aucun ici)", "login", 404, "mfa_view_recovery_codes"),
    account("Générer des codes de secours", "login", 302, "mfa_generate_recovery_codes"),
    account(
        "Télécharger les codes de secours (aucun ici)", "login", 404, "mfa_download_recovery_codes"
    ),
    account("Clés de sécurité", "login", 200, "mfa_list_webauthn"),
    account("Ajouter une clé de sécurité", "login", 302, "mfa_add_webauthn"),
    account("Se ré-authentifier par clé (aucune ici)", "login", 302, "mfa_reauthenticate_webauthn"),
    account("Retirer une clé (ré-authentification d'abord)", "login", 302, "mfa_remove_webauthn"),
    account("Renommer une clé (ré-authentification d'abord)", "login", 302, "mfa_edit_webauthn"),
    account("Connexion tierce annulée", 200, 200, "socialaccount_login_cancelled"),
    account("Erreur de connexion tierce", 401, 401, "socialaccount_login_error"),
    account("Inscription tierce", 302, 302, "socialaccount_signup"),
    account("Comptes tiers liés", "login", 200, "socialaccount_connections"),
    account(
        "(ancienne adresse) connexion tierce annulée", 301, 301, "compte/social/login/cancelled/"
    ),
    account(
        "(ancienne adresse) erreur de connexion tierce", 301, 301, "compte/social/login/error/"
    ),
    account("(ancienne adresse) inscription tierce", 301, 301, "compte/social/signup/"),
    account("(ancienne adresse) comptes tiers liés", 301, 301, "compte/social/connections/"),
    account("ProConnect : mon compte (désactivé ici)", "login", 404, "proconnect_account"),
    account("ProConnect : connexion (désactivé ici)", 404, 404, "proconnect_login"),
    account("ProConnect : retour (désactivé ici)", 404, 404, "proconnect_callback"),
    account("ProConnect : déconnexion (désactivé ici)", 302, 302, "proconnect_logout"),
    account(
        "ProConnect : retour de déconnexion (désactivé ici)", 302, 302, "proconnect_logout_callback"
    ),
    account("Mes sessions ouvertes", "login", 200, "usersessions_list"),
]

# --- APIs -----------------------------------------------------------------------------------------
API_READERS = cells(
    404,
    anon=401,
    **group(PARTNERS_A, 200),
    **group(COMMISSION_X, 200),
    **group(READERS, 200),
    superuser=403,
)


API_PARTNER_ACTION = cells(404, anon=401, superuser=403, **group(PARTNERS_A, "ok"))
API_PARTNER_READ = cells(404, anon=401, superuser=403, **group(PARTNERS_A, 200))


def api(key, what, method, path, obj="", get=None, post=None, note=""):
    return Row(key, what, obj, get=get, post=post, method=method, path=path, note=note)


V1 = "/api/orientations/v1"
OP = "referrals_api:referrals_api_router_"
ROWS += [
    api(
        f"{OP}list_referrals",
        "API : lister les orientations",
        "GET",
        f"{V1}/referrals",
        get=cells(
            200,
            anon=401,
            **group(PARTNERS_A, "200+"),
            **group(COMMISSION_X, "200+"),
            **group(READERS, "200+"),
            superuser=403,
        ),
    ),
    api(
        f"{OP}create_referral",
        "API : créer un brouillon",
        "POST",
        f"{V1}/referrals",
        post=cells(403, anon=401, member_b="ok", **group(PARTNERS_A, "ok")),
        note="pour sa propre organisation ; les équipes internes : 403",
    ),
    api(
        f"{OP}get_referral",
        "API : lire",
        "GET",
        f"{V1}/referrals/{{referral_id}}",
        "submitted",
        get=API_READERS,
    ),
    api(
        f"{OP}submit_referral",
        "API : transmettre",
        "POST",
        f"{V1}/referrals/{{referral_id}}/submit",
        "draft",
        post=cells(404, anon=401, superuser=403, **group(PARTNERS_A, "ok")),
    ),
    api(
        f"{OP}withdraw_referral",
        "API : retirer",
        "POST",
        f"{V1}/referrals/{{referral_id}}/withdraw",
        "submitted",
        post=cells(404, anon=401, superuser=403, **group(PARTNERS_A, "ok")),
    ),
    api(
        f"{OP}list_messages",
        "API : lire les messages",
        "GET",
        f"{V1}/referrals/{{referral_id}}/messages",
        "submitted",
        get=API_READERS,
    ),
    api(
        f"{OP}post_message",
        "API : écrire un message",
        "POST",
        f"{V1}/referrals/{{referral_id}}/messages",
        "submitted",
        post=cells(
            404, anon=401, superuser=403, **group(PARTNERS_A, "ok"), **group(COMMISSION_X, "ok")
        ),
    ),
    api(
        f"{OP}list_events",
        "API : lire l'historique",
        "GET",
        f"{V1}/referrals/{{referral_id}}/events",
        "submitted",
        get=API_READERS,
    ),
    api(
        f"{OP}answer_info",
        "API : répondre à une demande d'informations",
        "POST",
        f"{V1}/referrals/{{referral_id}}/answer",
        "info_requested",
        post=API_PARTNER_ACTION,
    ),
    api(
        f"{OP}contest_decline",
        "API : contester un avis défavorable",
        "POST",
        f"{V1}/referrals/{{referral_id}}/contest",
        "declined",
        post=API_PARTNER_ACTION,
    ),
    api(
        f"{OP}change_release_date",
        "API : changer la date de sortie",
        "POST",
        f"{V1}/referrals/{{referral_id}}/release-date",
        "submitted",
        post=API_PARTNER_ACTION,
    ),
    api(
        f"{OP}list_documents",
        "API : lister les documents",
        "GET",
        f"{V1}/referrals/{{referral_id}}/documents",
        "submitted",
        get=API_READERS,
    ),
    api(
        f"{OP}upload_document",
        "API : joindre un document (multipart)",
        "POST",
        f"{V1}/referrals/{{referral_id}}/documents",
        "submitted",
        post=API_PARTNER_ACTION,
        note="la commission, qui lit la demande, n'y joint rien : 404",
    ),
    api(
        f"{OP}get_certificate",
        "API : lire l'attestation d'hébergement",
        "GET",
        f"{V1}/referrals/{{referral_id}}/certificate",
        "accepted",
        get=API_PARTNER_READ,
    ),
    api(
        f"{OP}get_certificate_pdf",
        "API : attestation d'hébergement (PDF)",
        "GET",
        f"{V1}/referrals/{{referral_id}}/certificate.pdf",
        "accepted",
        get=API_PARTNER_READ,
    ),
    Row(
        f"{OP}list_changes",
        "API : changements depuis un instant",
        query="updated_since=2020-01-01T00:00:00Z",
        get=cells(
            200,
            anon=401,
            **group(PARTNERS_A, "200+"),
            **group(COMMISSION_X, "200+"),
            **group(READERS, "200+"),
            superuser=403,
        ),
        lists=True,
        method="GET",
        path=f"{V1}/changes",
    ),
    api(
        f"{OP}get_statistics",
        "API : statistiques",
        "GET",
        f"{V1}/statistics",
        get=cells(
            404,
            anon=401,
            member_b=200,
            **group(PARTNERS_A, 200),
            **group(COMMISSION_X, 200),
            commission_y=200,
            management=200,
            superuser=403,
        ),
        note="un partenaire : son organisation ; la commission : ses établissements",
    ),
    Row(
        f"{OP}get_statistics[x]",
        "API : statistiques de l'établissement X",
        query="establishment={x}",
        get=cells(
            404,
            anon=401,
            **group(COMMISSION_X, 200),
            management=200,
            superuser=403,
        ),
        note="un autre établissement que les siens, ou un partenaire qui en demande un : 404",
        method="GET",
        path=f"{V1}/statistics",
    ),
    Row(
        "referrals_api:openapi-json",
        "API des orientations : schéma OpenAPI",
        get=ALL_200,
        sample=PUBLIC_DOC,
    ),
    Row(
        "referrals_api:openapi-view",
        "API des orientations : documentation",
        get=ALL_200,
        sample=PUBLIC_DOC,
    ),
    Row("referrals_api:api-root", "API des orientations : racine", get=cells(404, anon=404)),
    # The public site's helpers and the data·inclusion export: public, read-only.
    *[
        api(
            f"cms_api:site_{name}",
            f"API du site : {name}",
            "GET",
            f"/api/v3/site/{path}/",
            get=ALL_200,
        )
        for name, path in [
            ("navigation", "navigation"),
            ("settings", "settings"),
            ("glossary", "glossary"),
            ("key_figures", "key-figures"),
        ]
    ],
    api(
        "cms_api:site_breadcrumbs",
        "API du site : fil d'Ariane (sans chemin)",
        "GET",
        "/api/v3/site/breadcrumbs/",
        get=cells(400, anon=400),
    ),
    api(
        "cms_api:site_find",
        "API du site : trouver une page (sans chemin)",
        "GET",
        "/api/v3/site/find/",
        get=cells(422, anon=422),
    ),
    api(
        "cms_api:site_search",
        "API du site : recherche (sans terme)",
        "GET",
        "/api/v3/site/search/",
        get=cells(422, anon=422),
    ),
    api(
        "cms_api:site_preview",
        "API du site : aperçu d'un brouillon (jeton signé requis)",
        "GET",
        "/api/v3/site/preview/",
        get=cells(422, anon=422),
    ),
    Row("cms_api:openapi-json", "API du site : schéma OpenAPI", get=ALL_200, sample=PUBLIC_DOC),
    Row("cms_api:openapi-view", "API du site : documentation", get=ALL_200, sample=PUBLIC_DOC),
    Row("cms_api:api-root", "API du site : racine", get=cells(404, anon=404)),
    api(
        "data_inclusion_api:data_inclusion_structures",
        "data·inclusion : structures",
        "GET",
        "/api/data-inclusion/v1/structures/",
        get=ALL_200,
    ),
    api(
        "data_inclusion_api:data_inclusion_services",
        "data·inclusion : services",
        "GET",
        "/api/data-inclusion/v1/services/",
        get=ALL_200,
    ),
    Row(
        "data_inclusion_api:openapi-json",
        "data·inclusion : schéma OpenAPI",
        get=ALL_200,
        sample=PUBLIC_DOC,
    ),
    Row(
        "data_inclusion_api:openapi-view",
        "data·inclusion : documentation",
        get=ALL_200,
        sample=PUBLIC_DOC,
    ),
    Row("data_inclusion_api:api-root", "data·inclusion : racine", get=cells(404, anon=404)),
    Row(
        "wagtailapi_v3:openapi-json",
        "API v3 de Wagtail : schéma OpenAPI (lourd à produire : anonyme seulement)",
        get=ALL_200,
        sample=("anon",),
    ),
    Row(
        "wagtailapi_v3:openapi-view",
        "API v3 de Wagtail : documentation",
        get=ALL_200,
        sample=PUBLIC_DOC,
    ),
    Row("wagtailapi_v3:api-root", "API v3 de Wagtail : racine", get=cells(404, anon=404)),
    Row("api/v3/^.*$", "API v3 : toute autre adresse (404 JSON)", get=cells(404, anon=404)),
]

# --- Wagtail's API v3 (third party): one kind per operation ---------------------------------------
# "public": read anonymously (live public content); "token": a token is needed to read; "write":
# a token whose user has the Wagtail permission. Partners, the commission, management and the
# DPO have no Wagtail permission: their tokens are refused on every write (nothing changes).
WAGTAIL_V3 = {
    **dict.fromkeys(
        [
            "pages_list",
            "pages_find",
            "pages_detail",
            "redirects_list",
            "redirects_find",
            "redirects_detail",
            "documents_list",
            "documents_detail",
            "images_list",
            "images_detail",
        ],
        "public",
    ),
    **dict.fromkeys(
        [
            "pages_revisions_list",
            "pages_revisions_detail",
            "schema_list",
            "schema_detail",
            "sites_list",
            "sites_detail",
            "whoami",
            "snippets_list",
            "snippets_detail",
            "snippets_revisions_list",
            "snippets_revisions_detail",
        ],
        "token",
    ),
    **dict.fromkeys(
        [
            "pages_create",
            "pages_update",
            "pages_delete",
            "pages_actions_publish",
            "pages_actions_unpublish",
            "pages_actions_copy",
            "pages_actions_move",
            "pages_actions_delete",
            "pages_actions_revert",
            "pages_actions_convert_alias",
            "pages_actions_create_alias",
            "pages_actions_copy_for_translation",
            "sites_create",
            "sites_update",
            "sites_delete",
            "redirects_create",
            "redirects_update",
            "redirects_delete",
            "snippets_create",
            "snippets_update",
            "snippets_delete",
            "snippets_actions_delete",
            "snippets_actions_publish",
            "snippets_actions_unpublish",
            "snippets_actions_revert",
            "snippets_actions_copy_for_translation",
            "documents_create",
            "documents_update",
            "documents_delete",
            "images_create",
            "images_update",
            "images_delete",
        ],
        "write",
    ),
}
# For each kind, the roles requested and what they get: "refused" (401, 403, 404, 405, or 422
# for the empty body sent, and nothing changed), "answered" (authenticated: no 401, no 500),
# "open" (no 401/403, no 500). `test_wagtail_v3_writes_check_the_permission` sends valid bodies.
V3_EXPECTED = {
    "public": {"anon": "open", "member_a": "open"},
    "token": {"anon": "refused", "editor": "answered"},
    "write": dict.fromkeys(
        ["anon", "member_a", "member_b", "head_x", "management", "dpo"], "refused"
    ),
}


# --- the admin families ---------------------------------------------------------------------------
def admin_allowed(prefix, role, url) -> bool:
    """Who gets in (200) on the sampled admin pages."""
    if role == "superuser":
        return True
    if role == "editor" and prefix == "admin/":
        return url != "/admin/users/"
    return False
