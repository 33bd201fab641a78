from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import demo as accounts_demo


class Command(BaseCommand):
    help = "Load the demo organisations, accounts and content (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = accounts_demo.load()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write("")
        self.stdout.write(
            f"Comptes de démonstration (mot de passe : {accounts_demo.DEMO_PASSWORD})"
        )
        width = max(len(label) for label, _ in logins)
        for label, email in logins:
            self.stdout.write(f"  {label.ljust(width)}  {email}")
        self.stdout.write("")
        self.stdout.write("Connexion : http://127.0.0.1:8000/compte/login/")
