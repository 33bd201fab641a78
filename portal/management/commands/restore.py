from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde faite par `manage.py backup` : remplace toute la base et remet "
        "les pièces jointes. Arrêtez les serveurs d'application et les workers avant."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Ne pas demander de confirmation (la base actuelle est remplacée).",
        )

    def handle(self, *args, archive, yes=False, **options):
        if not archive.is_file():
            raise CommandError(f"Fichier introuvable : {archive}")
        if not yes and input(
            "La base actuelle sera entièrement remplacée par la sauvegarde. Continuer ? [oui/non] "
        ).strip().lower() not in {"o", "oui", "y", "yes"}:
            raise CommandError("Restauration annulée.")
        try:
            manifest = backup.restore(archive)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde du {manifest['created_at']} restaurée "
                f"(base et {len(manifest['files'])} fichier(s))."
            )
        )
