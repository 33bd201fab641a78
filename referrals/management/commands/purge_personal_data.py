from django.core.management.base import BaseCommand

from referrals import retention

LABELS = {
    "closed_unanswered": "demandes closes faute de décision",
    "attachments_deleted": "documents supprimés",
    "drafts_deleted": "brouillons supprimés",
    "referrals_anonymised": "dossiers anonymisés",
    "journal_deleted": "entrées du journal des accès supprimées",
}


class Command(BaseCommand):
    help = (
        "Apply the retention delays now (the daily jobs do it every day): close requests left "
        "without a decision, delete old documents and drafts, anonymise inactive files, delete "
        "old journal entries. --dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args, dry_run, **options):
        report = retention.purge(dry_run=dry_run)
        self.stdout.write(
            "Simulation : rien n'est modifié." if dry_run else "Durées de conservation appliquées."
        )
        for key, count in report.as_dict().items():
            self.stdout.write(f"  {LABELS[key]} : {count}")
