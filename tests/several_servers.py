"""Two gunicorn app servers behind nginx, with production settings, one PostgreSQL and one
Redis: what `make prod-check` (tests/test_several_servers.py) starts.

    with Deployment(database_name) as deployment:
        deployment.url("/healthz")        # through nginx (round robin)
        deployment.app_url(0, "/healthz")  # straight to the first app server

nginx runs as the current user with a generated configuration in a temporary directory
(`-p`/`-c`, `daemon off`), listens on a free port, serves /static/ (collected by
`collectstatic`) and proxies the rest to the two app servers, setting `X-Forwarded-Proto: https`
as the TLS terminator of a real deployment would. The app servers share the private media
directory (as they would share a volume or a bucket)."""

import getpass
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_URL = os.environ.get("PROD_CHECK_REDIS_URL", "redis://127.0.0.1:6379/0")

NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # Documents are limited to 10 MB by the application; the proxy allows a little more.
    client_max_body_size 12m;
    upstream app {{
        server 127.0.0.1:{app1};
        server 127.0.0.1:{app2};
    }}
    server {{
        listen 127.0.0.1:{port};
        location /static/ {{
            alias {static}/;
            expires 1y;
            add_header Cache-Control "public, immutable";
        }}
        location / {{
            proxy_pass http://app;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Request-ID $request_id;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s")


class Deployment:
    def __init__(self, database_name: str, database_url: str | None = None):
        base = database_url or os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilot"
        )
        self.database_url = base.rsplit("/", 1)[0] + "/" + database_name
        self.tmp = Path(tempfile.mkdtemp(prefix="ilot-prod-check-"))
        self.private = self.tmp / "private-media"
        self.static = self.tmp / "static"
        self.port = free_port()
        self.app_ports = [free_port(), free_port()]
        self.processes = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "MFA_ENCRYPTION_KEY": Fernet.generate_key().decode(),  # production requires its own
            "DATABASE_URL": self.database_url,
            "REDIS_URL": REDIS_URL,
            # Its own key prefix: never sees another run's (or another checkout's) keys.
            "CACHE_KEY_PREFIX": f"prod-check-{uuid.uuid4().hex[:12]}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"https://127.0.0.1:{self.port}",
            "ALLAUTH_TRUSTED_PROXY_COUNT": "1",
            "MEDIA_ROOT": str(self.tmp / "media"),
            "PRIVATE_MEDIA_ROOT": str(self.private),
            "STATIC_ROOT": str(self.static),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }

    # --- URLs -----------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def app_url(self, index: int, path: str) -> str:
        return f"http://127.0.0.1:{self.app_ports[index]}{path}"

    @property
    def origin(self) -> str:
        """The site's origin as the app servers see it (behind TLS)."""
        return f"https://127.0.0.1:{self.port}"

    # --- lifecycle --------------------------------------------------------------------------
    def __enter__(self):
        try:
            self._collectstatic()
            for index, port in enumerate(self.app_ports):
                self._start_app(index, port)
            self._start_nginx()
            for index, process in enumerate(self.processes[:2]):
                wait_for(self.app_url(index, "/healthz"), process=process)
            wait_for(self.url("/healthz"), process=self.processes[2])
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _collectstatic(self):
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )

    def _start_app(self, index, port):
        # The child keeps its own copy of the log's file descriptor.
        with open(self.tmp / f"app{index + 1}.log", "wb") as log:
            process = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "portal.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--threads",
                    "2",
                ],
                cwd=ROOT,
                env={**self.env, "APP_SERVER_ID": f"app{index + 1}:{port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)

    def _start_nginx(self):
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.tmp / name).mkdir()
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        conf = self.tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                user=user,
                tmp=self.tmp,
                port=self.port,
                app1=self.app_ports[0],
                app2=self.app_ports[1],
                static=self.static,
            )
        )
        subprocess.run([NGINX, "-t", "-q", "-p", str(self.tmp), "-c", str(conf)], check=True)
        with open(self.tmp / "nginx-stderr.log", "wb") as log:
            self.processes.append(
                subprocess.Popen(
                    [NGINX, "-p", str(self.tmp), "-c", str(conf)],
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            )

    def logs(self) -> str:
        """The app servers' and nginx's logs (shown when a check fails)."""
        parts = []
        for name in ("app1.log", "app2.log", "nginx-error.log"):
            path = self.tmp / name
            if path.exists():
                parts.append(f"--- {name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)
