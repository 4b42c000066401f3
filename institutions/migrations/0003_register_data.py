"""Existing rows: the target group each kind had in code, and a coverage snapshot per period."""

from django.db import migrations

GROUP_OF_KIND = {
    "KEMENTERIAN": "KL",
    "LPNK": "KL",
    "LNS": "KL",
    "LEMBAGA_NEGARA": "KL",
    "PROVINSI": "PROVINSI",
    "KABUPATEN": "KABKOTA",
    "KOTA": "KABKOTA",
}


def forwards(apps, schema_editor):
    Institution = apps.get_model("institutions", "Institution")
    PeriodInstitution = apps.get_model("institutions", "PeriodInstitution")
    Period = apps.get_model("assessments", "Period")
    for kind, group in GROUP_OF_KIND.items():
        Institution.objects.filter(kind=kind, target_group="").update(target_group=group)
    institutions = list(Institution.objects.filter(active=True, separately_assessed=True))
    for period in Period.objects.all():
        PeriodInstitution.objects.bulk_create(
            [
                PeriodInstitution(
                    period=period,
                    institution=i,
                    name=i.name,
                    short_name=i.short_name,
                    kind=i.kind,
                    target_group=i.target_group,
                    province_id=i.pk if i.kind == "PROVINSI" else i.province_id,
                    counted=bool(i.target_group),
                )
                for i in institutions
            ],
            batch_size=500,
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0002_register_changes"),
        ("assessments", "0002_scoring_score_total_exact"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
