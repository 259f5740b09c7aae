"""On PostgreSQL, an exclusion constraint keeps two quarters from overlapping even when two
product leaders save at the same moment (Quarter.clean checks it, but cannot see a row
another transaction has not committed yet). SQLite has no exclusion constraints; there the
clean() check is the rule, and the embedded run has one writer at a time anyway."""

from django.db import migrations

CONSTRAINT = "quarter_dates_never_overlap"


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'ALTER TABLE budgets_quarter ADD CONSTRAINT {CONSTRAINT} '
            f"EXCLUDE USING gist (daterange(start, \"end\", '[]') WITH &&)"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE budgets_quarter DROP CONSTRAINT {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("budgets", "0006_audit_reason")]

    operations = [migrations.RunPython(add, remove)]
