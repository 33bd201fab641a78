"""Every stay keeps what the figures need of the person (birth year, gender, justice public),
so that the stay figures read no referral: copy them from the referrals of the stays opened by
an arrival (the arrivals without referral already have them)."""

from django.db import migrations

# The justice public: every judicial situation but "aucune" (`choices.NOT_JUSTICE`, 2026).
NOT_JUSTICE = ("aucune",)


def copy_from_referrals(apps, schema_editor):
    Stay = apps.get_model("referrals", "Stay")
    stays = Stay.objects.filter(referral__isnull=False).select_related("referral")
    for stay in stays.iterator(chunk_size=2000):
        referral = stay.referral
        stay.birth_year = referral.birth_date.year if referral.birth_date else None
        stay.gender = referral.gender
        stay.justice_public = referral.judicial_situation not in NOT_JUSTICE
        stay.save(update_fields=["birth_year", "gender", "justice_public"])


class Migration(migrations.Migration):
    dependencies = [("referrals", "0013_referral_facts")]

    operations = [migrations.RunPython(copy_from_referrals, migrations.RunPython.noop)]
