"""The partner dashboard at scale (README, "Benchmarks"): `Referral.news_at`, when the last
news (an event of its history other than the retention's, or a message) was written on the
referral, indexed, so that the work items and the header's badge read only the referrals still
open or with recent news (`referrals.work.with_work`); backfilled here from the events and
messages."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest


def backfill_news(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    ReferralEvent = apps.get_model("referrals", "ReferralEvent")
    Message = apps.get_model("referrals", "Message")

    def last(model, **exclude):
        rows = model.objects.filter(referral=OuterRef("pk")).exclude(**exclude)
        return Subquery(rows.order_by("-created_at").values("created_at")[:1])

    event, message = last(ReferralEvent, kind="retention"), last(Message)
    Referral.objects.update(news_at=Greatest(Coalesce(event, message), Coalesce(message, event)))


class Migration(migrations.Migration):
    dependencies = [("referrals", "0015_stay_departure_index")]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="news_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(fields=["organisation", "news_at"], name="referral_news_org_idx"),
        ),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(fields=["news_at"], name="referral_news_idx"),
        ),
        migrations.RunPython(backfill_news, migrations.RunPython.noop),
    ]
