from django.core.management.base import BaseCommand

from portal.tasks import daily_jobs


class Command(BaseCommand):
    help = (
        "Enqueue the daily jobs for the task worker: expiry of unanswered information requests, "
        "reminders to the commissions, retention of personal data, daily digests. Run it once a "
        "day (cron, systemd timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", action="store_true", help="Run in this process instead of the worker."
        )

    def handle(self, *args, **options):
        if options["now"]:
            result = daily_jobs.call()
            self.stdout.write(
                f"Demandes expirées : {result['expired']} ; rappels de décision : "
                f"{result['decision']} ; rappels de suite : {result['outcome']} ; "
                f"conservation : {result['retention']} ; résumés envoyés : {result['digests']}"
            )
        else:
            daily_jobs.enqueue()
            self.stdout.write("Tâches quotidiennes mises en file pour le worker.")
