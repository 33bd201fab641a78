"""``manage.py benchmark_plone_import``: items per second and peak memory of ``import_plone``.

A generated export (``cms.plone.generator``) is really imported (each item committed in its own
transaction, as ``import_plone`` does), under a draft page made for the purpose; everything it
created (pages, images, redirects, tags, Plone mappings) is deleted at the end. Also printed:
the SQL queries per item.
"""

import logging
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Max
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import Page

from cms.models import IndexPage, PloneItem
from cms.plone.export import Export
from cms.plone.generator import generate
from cms.plone.importer import PloneImporter

PREFIX = "banc-d-essai-plone"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


class Command(BaseCommand):
    help = (
        "Génère un export Plone de N éléments, l'importe dans PostgreSQL, affiche le nombre "
        "d'éléments par seconde et la mémoire maximale, puis supprime ce qui a été créé."
    )

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=10_000)

    def handle(self, *args, items, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Le banc d'essai se lance sur PostgreSQL (DATABASE_URL).")
        for name in ("wagtail", "django_tasks"):
            logging.getLogger(name).setLevel(logging.WARNING)
        home = Page.objects.filter(depth=2).first()
        if home is None:
            raise CommandError("Aucune page d'accueil : lancez d'abord les migrations.")
        root = IndexPage(title="Banc d'essai de l'import Plone", slug=PREFIX, live=False)
        home.add_child(instance=root)
        last_tag = Tag.objects.aggregate(last=Max("pk"))["last"] or 0
        queries = 0

        def count(execute, *args):
            nonlocal queries
            queries += 1
            return execute(*args)

        try:
            with tempfile.TemporaryDirectory() as directory:
                folder = Path(directory)
                written = generate(folder, items, prefix=PREFIX)
                size = (folder / "Plone.json").stat().st_size / 2**20
                rss_before = peak_rss_mib()
                importer = PloneImporter(Export.locate(folder), root)
                started = time.perf_counter()
                with connection.execute_wrapper(count):
                    summary = importer.run(lambda outcome: None)
                elapsed = time.perf_counter() - started
            self.stdout.write(
                f"{written} éléments ({size:.1f} Mio de JSON) importés en {elapsed:.1f} s : "
                f"{written / elapsed:.0f} éléments/s. Résultats : {summary.counts}"
            )
            self.stdout.write(
                f"Requêtes SQL : {queries} ({queries / written:.1f} par élément, sans compter "
                "les débuts et fins de transaction)."
            )
            self.stdout.write(
                f"Mémoire : pic du processus {peak_rss_mib():.0f} Mio "
                f"(avant l'import : {rss_before:.0f} Mio)."
            )
        finally:
            self.clean_up(root, last_tag)

    def clean_up(self, root, last_tag: int):
        mappings = PloneItem.objects.filter(path__startswith=f"/{PREFIX}-")
        image_type = PloneItem._meta.get_field("content_type").related_model.objects.get_for_model(
            get_image_model()
        )
        images = mappings.filter(content_type=image_type).values_list("object_id", flat=True)
        get_image_model().objects.filter(pk__in=list(images)).delete()
        Redirect.objects.filter(old_path__startswith=f"/{PREFIX}-").delete()
        mappings.delete()
        Page.objects.get(pk=root.pk).delete()
        Tag.objects.filter(pk__gt=last_tag).delete()  # the generated subjects
