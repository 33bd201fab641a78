"""``manage.py import_plone PATH``: a collective.exportimport export into the Wagtail tree."""

import json
import logging
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from wagtail.models import Page

from cms.plone.export import Export, ExportError
from cms.plone.importer import STATUS_LABELS, PloneImporter


class ReportWriter:
    """The report file: a JSON object whose ``items`` are written one at a time."""

    def __init__(self, path: Path):
        self.path = path
        self.file = path.open("w", encoding="utf-8")
        self.file.write('{"items": [\n')
        self.first = True

    def __call__(self, outcome: dict):
        if not self.first:
            self.file.write(",\n")
        self.first = False
        self.file.write(json.dumps(outcome, ensure_ascii=False))

    def close(self, summary: dict):
        self.file.write("\n],\n")
        self.file.write(f'"summary": {json.dumps(summary, ensure_ascii=False, indent=1)}\n}}\n')
        self.file.close()


class Command(BaseCommand):
    help = (
        "Importe un export Plone (collective.exportimport) dans l'arborescence Wagtail : pages, "
        "images, fichiers, redirections. Relancé, il met à jour ce qui a changé (par UID Plone)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            type=Path,
            help="Le fichier JSON des contenus, ou le dossier qui le contient avec les autres "
            "exports (ordering, defaultpages, redirects) et le dossier des blobs.",
        )
        parser.add_argument(
            "--blobs", type=Path, help="Dossier des blobs (défaut : blobs/ ou blobstorage/)."
        )
        parser.add_argument(
            "--parent",
            type=int,
            help="Identifiant de la page sous laquelle importer (défaut : la page d'accueil).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Simule l'import et rend compte, sans rien enregistrer.",
        )
        parser.add_argument(
            "--report",
            type=Path,
            default=Path("plone-import-report.json"),
            help="Fichier JSON du compte rendu, élément par élément "
            "(défaut : plone-import-report.json).",
        )
        parser.add_argument(
            "--download",
            action="store_true",
            help="Télécharge les fichiers exportés seulement par leur adresse.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression.")

    def handle(self, *args, path, blobs, parent, dry_run, report, download, **options):
        for name in ("wagtail", "django_tasks"):  # no log line per page created
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            export = Export.locate(path, blobs)
        except ExportError as error:
            raise CommandError(str(error)) from error
        root = self.root(parent)
        show_progress = not options["no_progress"] and options.get("verbosity", 1) > 0
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not show_progress or not sys.stderr.isatty(),
            transient=True,
        )
        tasks = {}

        def advance(phase: str, total: int):
            if phase:
                tasks["current"] = progress.add_task(phase, total=total or None)
            elif "current" in tasks:
                progress.advance(tasks["current"], total)

        writer = ReportWriter(report)
        importer = PloneImporter(export, root, dry_run=dry_run, download=download, progress=advance)
        try:
            with progress:
                summary = importer.run(writer)
        except ExportError as error:
            writer.close({"error": str(error)})
            raise CommandError(str(error)) from error
        writer.close(
            {
                "dry_run": dry_run,
                "total": summary.total,
                "counts": summary.counts,
                "unknown_types": summary.unknown_types,
                "redirects_created": summary.redirects,
                "folders_reordered": summary.reordered,
                "errors": summary.errors,
            }
        )
        self.print_summary(summary, dry_run, report)
        if summary.failed:
            raise CommandError(
                f"{len(summary.failures) + len(summary.errors)} élément(s) en échec : "
                f"voir {report}."
            )

    def root(self, parent: int | None) -> Page:
        if parent is not None:
            page = Page.objects.filter(pk=parent).first()
            if page is None:
                raise CommandError(f"Aucune page n° {parent}.")
            return page.specific
        page = Page.objects.filter(depth=2).order_by("path").first()
        if page is None:
            raise CommandError("Aucune page d'accueil : lancez d'abord les migrations.")
        return page.specific

    def print_summary(self, summary, dry_run: bool, report: Path):
        write = self.stdout.write
        write(
            ("Simulation — rien n'a été enregistré. " if dry_run else "")
            + f"{summary.total} éléments lus."
        )
        for status, label in STATUS_LABELS.items():
            if summary.counts.get(status):
                write(f"  {summary.counts[status]} {label}")
        for portal_type, count in sorted(summary.unknown_types.items()):
            write(f"  type inconnu « {portal_type} » : {count} (non importé)")
        write(
            f"  {summary.redirects} redirections créées, {summary.reordered} rubriques réordonnées"
        )
        for outcome in summary.failures:
            where = outcome.path or outcome.uid or f"n° {outcome.index + 1}"
            write(self.style.ERROR(f"  ÉCHEC {outcome.portal_type} {where} : {outcome.message}"))
        for error in summary.errors:
            write(self.style.ERROR(f"  ÉCHEC {error}"))
        write(f"Compte rendu détaillé : {report}")
