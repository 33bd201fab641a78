"""``manage.py generate_plone_export FOLDER --items N``: a large Plone export, for benchmarks."""

from pathlib import Path

from django.core.management.base import BaseCommand

from cms.plone.generator import generate


class Command(BaseCommand):
    help = (
        "Écrit un export Plone (format collective.exportimport) de N éléments : rubriques, "
        "pages, actualités, événements, images."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--items", type=int, default=10_000)

    def handle(self, *args, folder, items, **options):
        written = generate(folder, items)
        self.stdout.write(f"{written} éléments écrits dans {folder / 'Plone.json'}.")
