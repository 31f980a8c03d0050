# 考评指标: this part's tables (written by hand so each part's migration holds only its own)

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_alter_membership_role"),
        ("oversight", "0006_casereview"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IndicatorScheme",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=40, verbose_name="体系代码")),
                ("name", models.CharField(max_length=100, verbose_name="指标体系名称")),
                ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("version", models.PositiveSmallIntegerField(default=1, verbose_name="版本")),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "草稿"), ("in_force", "施行中"), ("retired", "已停用")],
                        default="draft",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                (
                    "total",
                    models.DecimalField(
                        decimal_places=2, default=100, max_digits=6, verbose_name="总分"
                    ),
                ),
                ("description", models.TextField(blank=True, verbose_name="说明")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                (
                    "enacted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="启用时间"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "考评指标体系",
                "verbose_name_plural": "考评指标体系",
                "ordering": ["-year", "code", "-version"],
            },
        ),
        migrations.CreateModel(
            name="Indicator",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="排序")),
                ("name", models.CharField(max_length=100, verbose_name="指标名称")),
                (
                    "weight",
                    models.DecimalField(decimal_places=2, max_digits=6, verbose_name="分值"),
                ),
                ("metric", models.CharField(blank=True, max_length=40, verbose_name="数据项")),
                ("rule", models.JSONField(blank=True, default=dict, verbose_name="计分规则")),
                ("note", models.TextField(blank=True, verbose_name="评分说明")),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="children",
                        to="oversight.indicator",
                    ),
                ),
                (
                    "scheme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="indicators",
                        to="oversight.indicatorscheme",
                    ),
                ),
            ],
            options={
                "verbose_name": "考评指标",
                "verbose_name_plural": "考评指标",
                "ordering": ["scheme_id", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="Evaluation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.CharField(max_length=20, unique=True, verbose_name="编号")),
                ("title", models.CharField(max_length=100, verbose_name="考评名称")),
                ("region", models.CharField(blank=True, max_length=20, verbose_name="考评范围")),
                ("start", models.DateField(verbose_name="考评期间起")),
                ("end", models.DateField(verbose_name="考评期间止")),
                (
                    "status",
                    models.CharField(
                        choices=[("computed", "已计算（可调整）"), ("finalised", "已定稿")],
                        default="computed",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                (
                    "computed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="计算时间"),
                ),
                (
                    "finalised_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="定稿时间"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "finalised_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "scheme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="oversight.indicatorscheme",
                    ),
                ),
            ],
            options={
                "verbose_name": "考评",
                "verbose_name_plural": "考评",
                "ordering": ["-start", "-id"],
            },
        ),
        migrations.CreateModel(
            name="Score",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("has_data", models.BooleanField(default=False, verbose_name="有数据")),
                ("value", models.FloatField(blank=True, null=True, verbose_name="数值")),
                ("numerator", models.FloatField(blank=True, null=True)),
                ("denominator", models.FloatField(blank=True, null=True)),
                (
                    "points",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=6, verbose_name="计算得分"
                    ),
                ),
                ("evidence", models.JSONField(blank=True, default=list, verbose_name="依据")),
                ("evidence_count", models.PositiveIntegerField(default=0, verbose_name="依据条数")),
                (
                    "adjusted_points",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=6,
                        null=True,
                        verbose_name="调整后得分",
                    ),
                ),
                ("adjustment_reason", models.TextField(blank=True, verbose_name="调整理由")),
                (
                    "adjusted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="调整时间"),
                ),
                ("recompute_note", models.TextField(blank=True, verbose_name="重新计算说明")),
                (
                    "adjusted_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agencies.agency",
                    ),
                ),
                (
                    "evaluation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scores",
                        to="oversight.evaluation",
                    ),
                ),
                (
                    "indicator",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="oversight.indicator",
                    ),
                ),
            ],
            options={
                "verbose_name": "考评得分",
                "verbose_name_plural": "考评得分",
                "ordering": ["evaluation_id", "agency_id", "indicator_id"],
            },
        ),
        migrations.CreateModel(
            name="ScoreAdjustment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("adjusted", "人工调整"), ("dropped", "重新计算后不再适用")],
                        max_length=10,
                        verbose_name="类型",
                    ),
                ),
                (
                    "computed",
                    models.DecimalField(decimal_places=2, max_digits=6, verbose_name="计算得分"),
                ),
                (
                    "before",
                    models.DecimalField(decimal_places=2, max_digits=6, verbose_name="调整前"),
                ),
                (
                    "after",
                    models.DecimalField(decimal_places=2, max_digits=6, verbose_name="调整后"),
                ),
                ("reason", models.TextField(verbose_name="理由")),
                ("made_at", models.DateTimeField(verbose_name="时间")),
                (
                    "made_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "score",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="adjustments",
                        to="oversight.score",
                    ),
                ),
            ],
            options={
                "verbose_name": "考评得分调整记录",
                "verbose_name_plural": "考评得分调整记录",
                "ordering": ["-made_at", "-id"],
            },
        ),
        migrations.AddConstraint(
            model_name="indicatorscheme",
            constraint=models.UniqueConstraint(
                fields=("code", "year", "version"), name="uniq_indicator_scheme_version"
            ),
        ),
        migrations.AddConstraint(
            model_name="score",
            constraint=models.UniqueConstraint(
                fields=("evaluation", "agency", "indicator"), name="uniq_evaluation_score"
            ),
        ),
    ]
