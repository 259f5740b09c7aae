from django.db import migrations


def create_settings_row(apps, schema_editor):
    # The one settings row exists from the start, so that reading it never writes.
    apps.get_model("budgets", "CompanySettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("budgets", "0001_initial")]

    operations = [migrations.RunPython(create_settings_row, migrations.RunPython.noop)]
