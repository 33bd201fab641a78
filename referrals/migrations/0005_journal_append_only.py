"""The access journal is append-only at the database level (PostgreSQL): a trigger refuses UPDATE
and DELETE unless the transaction has run `SET LOCAL ilot.retention_purge = 'on'`, which only the
retention purge does (referrals.retention.allow_journal_purge). SQLite (`make run`) has no such
trigger. (TRUNCATE, which the test runner uses to empty tables, is left to the database owner.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION referrals_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ilot.retention_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'The access journal is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS referrals_accesslog_append_only ON referrals_accesslog;
CREATE TRIGGER referrals_accesslog_append_only
    BEFORE UPDATE OR DELETE ON referrals_accesslog
    FOR EACH ROW EXECUTE FUNCTION referrals_accesslog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS referrals_accesslog_append_only ON referrals_accesslog;
DROP FUNCTION IF EXISTS referrals_accesslog_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0004_actions_retention_journal")]

    operations = [migrations.RunPython(create, drop)]
