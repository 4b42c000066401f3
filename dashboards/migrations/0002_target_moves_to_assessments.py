"""The national targets now belong to the instrument (`assessments.Target`, same table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_targets"),
        ("assessments", "0003_instrument_as_data"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Target")], database_operations=[])
    ]
