"""The embedded default (`make run` on SQLite) stays safe with the worker beside it.

A real `manage.py db_worker` runs on a SQLite file while several processes, each with several
threads, write in transactions that read before they write (the pattern that made SQLite answer
"database is locked" at once) and enqueue emails that the worker sends. With the SQLite options
of `portal/settings/base.py` (IMMEDIATE transactions, a busy timeout, WAL), not one write fails
and every email task succeeds."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import json, threading
from django.db import OperationalError, close_old_connections, transaction
from accounts.models import Organisation
from core.tasks import send_email

errors, done = [], []

def work(thread):
    for i in range(ROUNDS):
        try:
            with transaction.atomic():
                Organisation.objects.filter(name__startswith="w").count()  # read, then write
                org = Organisation.objects.create(name=f"w{PROCESS}-{thread}-{i}", kind="autre")
                send_email.enqueue(subject="Essai", body="Corps", recipients=["a@exemple.test"])
                org.name += "!"
                org.save(update_fields=["name"])
            done.append(i)
        except OperationalError as error:
            errors.append(str(error))
    close_old_connections()

threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
for t in threads: t.start()
for t in threads: t.join()
print("RESULT" + json.dumps({"errors": errors, "done": len(done)}))
"""

PROCESSES, THREADS, ROUNDS = 3, 4, 8


def _env(database: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    return env


def _manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


def _tasks(env, status: str) -> int:
    """How many email tasks are in this state (SUCCESSFUL, FAILED…), read by the ORM."""
    out = _manage(
        env,
        "shell",
        "-c",
        "from django_tasks_db.models import DBTaskResult\n"
        f"print(DBTaskResult.objects.filter(status={status!r}).count())",
    )
    assert out.returncode == 0, out.stderr
    return int(out.stdout.strip().splitlines()[-1])


def test_worker_and_concurrent_writers_on_sqlite(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = _env(database)
    migrated = _manage(env, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    journal = _manage(
        env,
        "shell",
        "-c",
        "from django.db import connection\n"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(c.fetchone()[0])",
    )
    assert journal.stdout.strip().splitlines()[-1] == "wal"

    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.05", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        script = WRITER.replace("ROUNDS", str(ROUNDS)).replace("THREADS", str(THREADS))
        writers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "shell", "-c", script.replace("PROCESS", str(p))],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for p in range(PROCESSES)
        ]
        results = []
        for writer in writers:
            out, err = writer.communicate(timeout=600)
            assert writer.returncode == 0, err
            line = next(x for x in out.splitlines() if x.startswith("RESULT"))
            results.append(json.loads(line[len("RESULT") :]))
        errors = [e for r in results for e in r["errors"]]
        assert errors == [], errors
        assert sum(r["done"] for r in results) == PROCESSES * THREADS * ROUNDS

        expected = PROCESSES * THREADS * ROUNDS
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            succeeded = _tasks(env, "SUCCESSFUL")
            if succeeded >= expected:
                break
            time.sleep(1)
        assert succeeded == expected
        assert _tasks(env, "FAILED") == 0
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        worker_log.close()
    log = (tmp_path / "worker.log").read_text()
    assert "database is locked" not in log, log[-2000:]
