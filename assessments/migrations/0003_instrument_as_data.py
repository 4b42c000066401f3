"""Any regulation as data: the level scale, components, result scale, band flags, sub-aspects,
stored component values and per-instrument targets become data on the instrument.

Existing instruments are given what the code used to assume: levels 1..4 worth quarters,
evidence from level 2, one maturity component worth the whole value, "Nilai" shown with two
decimals, and band flags as the old rule read them (the band named Baik and above earn a charter
and count toward the target, else the top two; the top band grants the talent-management
privilege). The national targets table moves here from the dashboards app (same table) and each
target gets an instrument; the 2020-2024 defaults the code held become rows.
"""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_TARGET_DEFAULTS = {"KL": Decimal("100"), "PROVINSI": Decimal("85"), "KABKOTA": Decimal("30")}
OLD_TARGET_YEARS = range(2020, 2025)


def existing_instruments_forward(apps, schema_editor):
    Instrument = apps.get_model("assessments", "Instrument")
    ScaleLevel = apps.get_model("assessments", "ScaleLevel")
    Component = apps.get_model("assessments", "Component")
    CategoryBand = apps.get_model("assessments", "CategoryBand")
    Target = apps.get_model("assessments", "Target")
    Period = apps.get_model("assessments", "Period")
    for instrument in Instrument.objects.all():
        ScaleLevel.objects.bulk_create(
            ScaleLevel(instrument=instrument, number=n, name=f"Tingkat {n}", fraction=Decimal(n) / 4) for n in (1, 2, 3, 4)
        )
        Component.objects.create(
            instrument=instrument, code="maturity", kind="maturity", name="Kematangan", position=1, weight=Decimal(1)
        )
        bands = list(CategoryBand.objects.filter(instrument=instrument).order_by("min_score"))
        if bands:
            named = [b for b in bands if b.name.strip().lower() == "baik"]
            good_from = named[0].min_score if named else bands[-2 if len(bands) >= 2 else -1].min_score
            for band in bands:
                band.earns_charter = band.counts_for_target = band.min_score >= good_from
                band.grants_jpt = band.pk == bands[-1].pk
                band.save(update_fields=["earns_charter", "counts_for_target", "grants_jpt"])
    first = Instrument.objects.order_by("pk").first()
    for target in Target.objects.all():
        period = Period.objects.filter(self_assessment_opens__year=target.year).order_by("pk").first()
        instrument_id = period.instrument_id if period else (first.pk if first else None)
        if instrument_id is None:
            target.delete()
        else:
            target.instrument_id = instrument_id
            target.save(update_fields=["instrument"])
    for instrument in Instrument.objects.all():
        for year in OLD_TARGET_YEARS:
            for group, share in OLD_TARGET_DEFAULTS.items():
                if not Target.objects.filter(group=group, year=year, instrument=instrument).exists():
                    Target.objects.create(instrument=instrument, group=group, year=year, share=share)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_scoring_score_total_exact"),
        ("dashboards", "0001_targets"),
        ("institutions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # -- the instrument's own fields
        migrations.AlterField(
            model_name="instrument",
            name="max_score",
            field=models.DecimalField(decimal_places=6, max_digits=13, verbose_name="result maximum"),
        ),
        migrations.AddField(
            model_name="instrument",
            name="result_label",
            field=models.CharField(default="Nilai", max_length=80, verbose_name="result label"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="instrument",
            name="result_decimals",
            field=models.PositiveSmallIntegerField(
                default=2, validators=[django.core.validators.MaxValueValidator(6)], verbose_name="result decimals"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="instrument",
            name="evidence_from_level",
            field=models.PositiveSmallIntegerField(default=2, verbose_name="lowest level that needs evidence"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="ScaleLevel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveSmallIntegerField(verbose_name="level")),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                ("fraction", models.DecimalField(decimal_places=6, max_digits=7, verbose_name="fraction of the weight")),
                (
                    "instrument",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="scale_levels", to="assessments.instrument"
                    ),
                ),
            ],
            options={
                "ordering": ["instrument", "number"],
                "constraints": [
                    models.UniqueConstraint(fields=("instrument", "number"), name="scale_level_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("number__gte", 0), ("number__lte", 10)), name="scale_level_range"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("fraction__gte", 0), ("fraction__lte", 1)), name="scale_fraction_0_1"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Component",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=20, verbose_name="code")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("maturity", "Maturity (self-assessment as verified)"),
                            ("survey", "Staff survey"),
                            ("bonus", "Bonus points"),
                        ],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                ("weight", models.DecimalField(decimal_places=6, max_digits=7, verbose_name="weight")),
                ("cap", models.DecimalField(blank=True, decimal_places=6, max_digits=13, null=True, verbose_name="cap")),
                (
                    "instrument",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="components", to="assessments.instrument"
                    ),
                ),
            ],
            options={
                "ordering": ["instrument", "position", "code"],
                "constraints": [models.UniqueConstraint(fields=("instrument", "code"), name="component_code_unique")],
            },
        ),
        # -- bands
        migrations.AlterField(
            model_name="categoryband",
            name="min_score",
            field=models.DecimalField(decimal_places=6, max_digits=13, verbose_name="minimum"),
        ),
        migrations.AddField(
            model_name="categoryband",
            name="earns_charter",
            field=models.BooleanField(default=False, verbose_name="earns a charter"),
        ),
        migrations.AddField(
            model_name="categoryband",
            name="counts_for_target",
            field=models.BooleanField(default=False, verbose_name="counts toward the national target"),
        ),
        migrations.AddField(
            model_name="categoryband",
            name="grants_jpt",
            field=models.BooleanField(default=False, verbose_name="grants the talent-management privilege"),
        ),
        # -- aspects, sub-aspects, indicators, levels
        migrations.AlterField(
            model_name="aspect",
            name="max_score",
            field=models.DecimalField(decimal_places=6, max_digits=13, verbose_name="weight"),
        ),
        migrations.CreateModel(
            name="SubAspect",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=10, verbose_name="code")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                (
                    "aspect",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="sub_aspects", to="assessments.aspect"
                    ),
                ),
            ],
            options={
                "ordering": ["aspect__number", "position", "code"],
                "constraints": [models.UniqueConstraint(fields=("aspect", "code"), name="sub_aspect_code_unique")],
            },
        ),
        migrations.AlterField(
            model_name="indicator",
            name="max_score",
            field=models.DecimalField(decimal_places=6, max_digits=13, verbose_name="weight"),
        ),
        migrations.AddField(
            model_name="indicator",
            name="sub_aspect",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="indicators",
                to="assessments.subaspect",
            ),
        ),
        migrations.RemoveConstraint(model_name="level", name="level_1_to_4"),
        migrations.AddConstraint(
            model_name="level",
            constraint=models.CheckConstraint(
                condition=models.Q(("level__gte", 0), ("level__lte", 10)), name="level_in_scale_range"
            ),
        ),
        migrations.RemoveConstraint(model_name="answer", name="answer_self_level_1_to_4"),
        migrations.RemoveConstraint(model_name="answer", name="answer_verified_level_0_to_4"),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("self_level__isnull", True), models.Q(("self_level__gte", 0), ("self_level__lte", 10)), _connector="OR"
                ),
                name="answer_self_level_in_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=models.Q(("verified_level__isnull", True), ("verified_level__lte", 10), _connector="OR"),
                name="answer_verified_level_in_range",
            ),
        ),
        # -- scores and stored component values
        migrations.AlterField(
            model_name="score", name="total", field=models.DecimalField(decimal_places=10, max_digits=22)
        ),
        migrations.AlterField(
            model_name="score", name="index", field=models.DecimalField(decimal_places=10, max_digits=22)
        ),
        migrations.AddField(model_name="score", name="components", field=models.JSONField(default=list)),
        migrations.AddField(
            model_name="score", name="pending_count", field=models.PositiveSmallIntegerField(default=0)
        ),
        migrations.CreateModel(
            name="ComponentValue",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.DecimalField(decimal_places=10, max_digits=22, verbose_name="value")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="source or note")),
                ("entered_at", models.DateTimeField(auto_now=True)),
                (
                    "assessment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="component_values",
                        to="assessments.assessment",
                    ),
                ),
                (
                    "component",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="values", to="assessments.component"
                    ),
                ),
                (
                    "entered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "component value",
                "verbose_name_plural": "component values",
                "constraints": [
                    models.UniqueConstraint(fields=("assessment", "component"), name="component_value_unique"),
                    models.CheckConstraint(condition=models.Q(("value__gte", 0)), name="component_value_not_negative"),
                ],
            },
        ),
        # -- national targets: the dashboards app's table, now the instrument's
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Target",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "group",
                            models.CharField(
                                choices=[
                                    ("KL", "Ministries and agencies"),
                                    ("PROVINSI", "Provinces"),
                                    ("KABKOTA", "Regencies and cities"),
                                ],
                                max_length=10,
                                verbose_name="group",
                            ),
                        ),
                        (
                            "year",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(2000),
                                    django.core.validators.MaxValueValidator(2100),
                                ],
                                verbose_name="year",
                            ),
                        ),
                        (
                            "share",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=5,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("0")),
                                    django.core.validators.MaxValueValidator(Decimal("100")),
                                ],
                                verbose_name="target share (%)",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "updated_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dashboards_target",
                        "verbose_name": "national target",
                        "verbose_name_plural": "national targets",
                        "ordering": ["-year", "group"],
                        "constraints": [
                            models.UniqueConstraint(fields=("group", "year"), name="target_group_year_unique"),
                            models.CheckConstraint(
                                condition=models.Q(("share__gte", 0), ("share__lte", 100)), name="target_share_0_100"
                            ),
                        ],
                    },
                )
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="target",
            name="instrument",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="targets", to="assessments.instrument"
            ),
        ),
        migrations.RemoveConstraint(model_name="target", name="target_group_year_unique"),
        migrations.RunPython(existing_instruments_forward, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="target",
            name="instrument",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="targets", to="assessments.instrument"
            ),
        ),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.UniqueConstraint(
                fields=("instrument", "group", "year"), name="target_instrument_group_year_unique"
            ),
        ),
    ]
