from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal import backup


class Command(BaseCommand):
    help = (
        "Sauvegarde chiffrée (BACKUP_ENCRYPTION_KEY) de la base PostgreSQL et des pièces "
        "jointes des orientations, en une archive."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="Fichier à écrire (par défaut backups/ilot-AAAAMMJJ-HHMMSS.ilotbak).",
        )

    def handle(self, *args, output=None, **options):
        output = output or Path("backups") / timezone.localtime().strftime(
            "ilot-%Y%m%d-%H%M%S.ilotbak"
        )
        try:
            manifest = backup.backup(output)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {output} (base et {len(manifest['files'])} fichier(s))."
            )
        )
