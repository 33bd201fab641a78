"""``manage.py benchmark_public_cache``: cached public pages against a static file, same run.

Starts gunicorn on a free local port (this settings module, this database: load the demo
first), then for each URL sends requests from ``--clients`` threads for ``--seconds`` seconds and
prints requests per second: a static file served by WhiteNoise, the home page and an
establishment's page from the application's cache (anonymous), and the same pages rendered at
each request (a session cookie bypasses the cache). Only 127.0.0.1 is contacted; gunicorn is
stopped at the end.
"""

import http.client
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.templatetags.static import static

from cms.models import EstablishmentPage, HomePage


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, cookie: str = "") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def throughput(port: int, path: str, clients: int, seconds: float, cookie: str = "") -> float:
    """Successful requests per second, from ``clients`` threads for ``seconds`` seconds."""
    deadline = time.perf_counter() + seconds

    def worker() -> int:
        done = 0
        while time.perf_counter() < deadline:
            if get(port, path, cookie) == 200:
                done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(lambda _i: worker(), range(clients)))
    return total / (time.perf_counter() - started)


class Command(BaseCommand):
    help = (
        "Débit (requêtes/s) de l'accueil et d'une page d'établissement servis depuis le cache, "
        "comparé à un fichier statique servi par WhiteNoise, sous gunicorn, dans la même mesure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=8)
        parser.add_argument("--seconds", type=float, default=10.0)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, clients, seconds, workers, **options):
        home = HomePage.objects.live().first()
        establishment = EstablishmentPage.objects.live().public().first()
        if home is None or establishment is None:
            raise CommandError("Chargez d'abord la démo (manage.py load_demo).")
        if not settings.PUBLIC_PAGE_CACHE_SECONDS:
            raise CommandError("Le cache des pages publiques est désactivé.")
        port = free_port()
        server = subprocess.Popen(  # this interpreter, this settings module and database
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
        )
        try:
            self.wait_for(port)
            urls = [
                ("fichier statique (WhiteNoise)", static("portal/css/site.css"), ""),
                ("accueil, en cache", home.url, ""),
                ("établissement, en cache", establishment.url, ""),
                ("accueil, rendu à chaque requête", home.url, "sessionid=banc-d-essai"),
                ("établissement, rendu à chaque requête", establishment.url, "sessionid=x"),
            ]
            for _label, path, cookie in urls:  # warm every worker's cache and connections
                for _ in range(workers * 4):
                    get(port, path, cookie)
            results = []
            for label, path, cookie in urls:
                rate = throughput(port, path, clients, seconds, cookie)
                results.append((label, rate))
            static_rate = results[0][1]
            self.stdout.write(
                f"gunicorn {workers} workers, {clients} clients, {seconds:.0f} s par adresse :"
            )
            for label, rate in results:
                self.stdout.write(
                    f"  {label:40} {rate:8.0f} req/s  ({rate / static_rate:.0%} du statique)"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)

    def wait_for(self, port: int):
        for _ in range(100):
            try:
                get(port, "/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise CommandError("gunicorn n'a pas démarré.")
