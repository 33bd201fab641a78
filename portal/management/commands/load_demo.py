from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import demo as accounts_demo
from cms import demo as cms_demo
from referrals import demo as referrals_demo


class Command(BaseCommand):
    help = "Load the demo organisations, accounts and content (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = accounts_demo.load()
            site = cms_demo.load()
            portal = referrals_demo.load()
            accounts_demo.enrol_mfa()
        logins += portal["logins"]
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write(
            f"Site public : {site['pages_created']} page(s) créée(s), "
            f"{site['pages_updated']} mise(s) à jour."
        )
        self.stdout.write(f"Orientations : {portal['referrals_created']} créée(s).")
        self.stdout.write("")
        self.stdout.write(
            f"Comptes de démonstration (mot de passe : {accounts_demo.DEMO_PASSWORD})"
        )
        width = max(len(label) for label, _ in logins)
        for label, email in logins:
            self.stdout.write(f"  {label.ljust(width)}  {email}")
        self.stdout.write("")
        self.stdout.write(
            "Double authentification (équipe de L'Îlot, administrateurs d'organisation, "
            f"super-administrateur) : clé {accounts_demo.DEMO_TOTP_SECRET} à ajouter dans une "
            "application d'authentification, ou code du moment avec `manage.py demo_totp`."
        )
        self.stdout.write("Connexion : http://127.0.0.1:8000/compte/login/")
