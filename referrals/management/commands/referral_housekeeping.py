from django.core.management.base import BaseCommand

from referrals.tasks import daily_housekeeping


class Command(BaseCommand):
    help = (
        "Enqueue the daily referral housekeeping (expiry of unanswered information requests) "
        "for the task worker. Run it once a day from cron or a systemd timer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", action="store_true", help="Run in this process instead of the worker."
        )

    def handle(self, *args, **options):
        if options["now"]:
            result = daily_housekeeping.call()
            self.stdout.write(f"Demandes expirées : {result['expired']}")
        else:
            daily_housekeeping.enqueue()
            self.stdout.write("Tâche quotidienne mise en file pour le worker.")
