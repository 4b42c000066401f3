"""A verified score is final only once a decision includes its assessment (domain/standing.py)."""

from django.db import migrations


def provisional_until_decided(apps, schema_editor):
    Score = apps.get_model("assessments", "Score")
    Score.objects.filter(is_final=True).exclude(assessment__status="decided").update(is_final=False)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0005_text_limits")]

    operations = [migrations.RunPython(provisional_until_decided, migrations.RunPython.noop)]
