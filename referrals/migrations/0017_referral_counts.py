"""The counts by status kept at write time (README, "Benchmarks"): `ReferralCount`, the number
of referrals by organisation, establishment and status, kept by statement-level triggers on
`referrals_referral` (PostgreSQL; SQLite counts the referrals themselves, `referrals.counts`),
so that the lists' counts by status and the API's total read a few rows whatever the size of
the history. Each statement adds its changes grouped, in a fixed order: two transactions never
wait for each other's counts in opposite orders. Backfilled here, in the migration's
transaction. (TRUNCATE, which the test runner uses to empty every table at once, empties the
counts with the referrals.)"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COUNT_TRIGGERS = """
CREATE OR REPLACE FUNCTION referrals_referral_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO referrals_referralcount AS c (organisation_id, target_id, status, n)
        SELECT organisation_id, target_id, status, count(*) FROM new_rows
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (organisation_id, target_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO referrals_referralcount AS c (organisation_id, target_id, status, n)
        SELECT organisation_id, target_id, status, -count(*) FROM old_rows
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (organisation_id, target_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        INSERT INTO referrals_referralcount AS c (organisation_id, target_id, status, n)
        SELECT organisation_id, target_id, status, sum(change) FROM (
            SELECT organisation_id, target_id, status, 1 AS change FROM new_rows
            UNION ALL
            SELECT organisation_id, target_id, status, -1 FROM old_rows
        ) AS changes
        GROUP BY 1, 2, 3 HAVING sum(change) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (organisation_id, target_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER referrals_referral_count_insert AFTER INSERT ON referrals_referral
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION referrals_referral_count();
CREATE TRIGGER referrals_referral_count_update AFTER UPDATE ON referrals_referral
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION referrals_referral_count();
CREATE TRIGGER referrals_referral_count_delete AFTER DELETE ON referrals_referral
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION referrals_referral_count();

INSERT INTO referrals_referralcount (organisation_id, target_id, status, n)
SELECT organisation_id, target_id, status, count(*) FROM referrals_referral GROUP BY 1, 2, 3;
"""

DROP_COUNT_TRIGGERS = """
DROP TRIGGER IF EXISTS referrals_referral_count_insert ON referrals_referral;
DROP TRIGGER IF EXISTS referrals_referral_count_update ON referrals_referral;
DROP TRIGGER IF EXISTS referrals_referral_count_delete ON referrals_referral;
DROP FUNCTION IF EXISTS referrals_referral_count();
DELETE FROM referrals_referralcount;
"""


def create_count_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COUNT_TRIGGERS, params=None)


def drop_count_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_COUNT_TRIGGERS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_security_mfa_sessions_tokens"),
        ("referrals", "0016_news_at"),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferralCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Brouillon"),
                            ("submitted", "Transmise"),
                            ("info_requested", "Informations demandées"),
                            ("under_review", "Inscrite en commission"),
                            ("accepted", "Avis favorable"),
                            ("declined", "Avis défavorable"),
                            ("reoriented", "Réorientée"),
                            ("arrived", "Arrivée"),
                            ("departed", "Séjour terminé"),
                            ("no_show", "Ne s'est pas présentée"),
                            ("cancelled", "Annulée"),
                            ("withdrawn", "Retirée"),
                            ("expired", "Expirée"),
                        ],
                        max_length=20,
                    ),
                ),
                ("n", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "nombre d'orientations",
            },
        ),
        migrations.AddField(
            model_name="referralcount",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.AddField(
            model_name="referralcount",
            name="target",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.WAGTAIL_PAGE_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="referralcount",
            constraint=models.UniqueConstraint(
                fields=("organisation", "target", "status"), name="referral_count_once"
            ),
        ),
        migrations.RunPython(create_count_triggers, drop_count_triggers),
    ]
