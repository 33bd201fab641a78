"""Benchmark of the public site's listings; everything it creates is rolled back."""

import logging
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.images import get_image_model

from cms.choices import EstablishmentKind, PlaceType, Public, ReferralType
from cms.models import (
    EstablishmentIndexPage,
    EstablishmentPage,
    EstablishmentPlace,
    HomePage,
    NewsIndexPage,
    NewsPage,
)


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Mesure la médiane du temps de réponse et le nombre de requêtes SQL de l'accueil, de la "
        "liste des établissements et de la liste des actualités, avec N établissements et N "
        "actualités de plus. Tout ce qui est créé est annulé à la fin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=200, help="Éléments créés (défaut : 200).")
        parser.add_argument(
            "--repeat", type=int, default=7, help="Requêtes mesurées par page (défaut : 7)."
        )

    def handle(self, *args, n, repeat, **options):
        if n < 0 or repeat < 1:
            self.stderr.write("--n doit être positif et --repeat au moins 1.")
            return
        rows = []
        for name in ("wagtail", "django_tasks"):  # no line per page created
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            with transaction.atomic():
                home = HomePage.objects.filter(depth=2).first()
                if home is None:
                    self.stderr.write("Aucune page d'accueil : lancez d'abord les migrations.")
                    return
                started = time.perf_counter()
                urls = self.build(home, n)
                self.stdout.write(
                    f"{n} établissements et {n} actualités créés en "
                    f"{time.perf_counter() - started:.1f} s (annulés à la fin)."
                )
                client = Client()
                for label, url in urls:
                    rows.append((label, url, *self.measure(client, url, repeat)))
                raise Rollback
        except Rollback:
            pass
        width = max(len(label) for label, *_ in rows)
        self.stdout.write("")
        self.stdout.write(f"{'Page'.ljust(width)}  {'médiane':>10}  {'requêtes SQL':>12}")
        for label, _url, median_ms, queries in rows:
            self.stdout.write(f"{label.ljust(width)}  {median_ms:>7.1f} ms  {queries:>12}")

    def build(self, home, n):
        establishments = EstablishmentIndexPage.objects.child_of(home).first()
        if establishments is None:
            establishments = EstablishmentIndexPage(title="Établissements", slug="benchmark-etab")
            home.add_child(instance=establishments)
        news_index = NewsIndexPage.objects.child_of(home).first()
        if news_index is None:
            news_index = NewsIndexPage(title="Actualités", slug="benchmark-actualites")
            home.add_child(instance=news_index)
        image = get_image_model().objects.first()
        today = timezone.localdate()
        for i in range(n):
            page = EstablishmentPage(
                title=f"Établissement de mesure {i}",
                slug=f"benchmark-etablissement-{i}",
                kind=EstablishmentKind.CHRS,
                intro="Établissement créé pour la mesure des performances.",
                city="Amiens",
                postcode="80000",
                departement="80",
                publics=[Public.MEN_ALONE],
                referral_types=[ReferralType.SORTIE_SECHE],
                accepts_online_referrals=True,
            )
            page.places = [
                EstablishmentPlace(place_type=PlaceType.INSERTION, count=20),
                EstablishmentPlace(place_type=PlaceType.URGENCE, count=2),
            ]
            establishments.add_child(instance=page)
            news_index.add_child(
                instance=NewsPage(
                    title=f"Actualité de mesure {i}",
                    slug=f"benchmark-actualite-{i}",
                    date=today - timedelta(days=i),
                    intro="Actualité créée pour la mesure des performances.",
                    image=image,
                )
            )
        return [
            ("Accueil", home.url),
            ("Liste des établissements", establishments.url),
            ("Liste des actualités", news_index.url),
        ]

    def measure(self, client, url, repeat):
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost")
        host = host.lstrip(".")
        secure = getattr(settings, "SECURE_SSL_REDIRECT", False)

        def get():
            response = client.get(url, HTTP_HOST=host, secure=secure)
            if response.status_code != 200:
                raise RuntimeError(f"{url} : statut {response.status_code}")
            return response

        get()  # warm up: renditions, site root paths, templates
        durations = []
        queries = 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                get()
                durations.append((time.perf_counter() - started) * 1000)
            queries = len(captured)
        return statistics.median(durations), queries
