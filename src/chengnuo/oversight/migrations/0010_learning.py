# 目录评估建议: this part's tables (written by hand so each part's migration holds only its own)

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_alter_membership_role"),
        ("catalog", "0002_proposal_revisions"),
        ("oversight", "0009_faulttolerance"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ItemOutcome",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period_start", models.DateField(verbose_name="评估期起")),
                ("period_end", models.DateField(verbose_name="评估期止")),
                ("verified", models.PositiveIntegerField(default=0, verbose_name="经核查的承诺")),
                ("untrue", models.PositiveIntegerField(default=0, verbose_name="承诺不实")),
                ("rate", models.FloatField(blank=True, null=True, verbose_name="不实比例")),
                ("lower", models.FloatField(blank=True, null=True, verbose_name="置信区间下限")),
                ("upper", models.FloatField(blank=True, null=True, verbose_name="置信区间上限")),
                ("withdrawals", models.PositiveIntegerField(default=0, verbose_name="承诺退出")),
                ("complaints", models.PositiveIntegerField(default=0, verbose_name="投诉举报")),
                (
                    "commitments",
                    models.PositiveIntegerField(default=0, verbose_name="告知承诺办件"),
                ),
                ("computed_at", models.DateTimeField(verbose_name="计算时间")),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agencies.agency",
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.certificationitem",
                    ),
                ),
            ],
            options={
                "verbose_name": "证明事项核查结果评估",
                "verbose_name_plural": "证明事项核查结果评估",
                "ordering": ["-period_end", "agency_id", "item_id"],
            },
        ),
        migrations.CreateModel(
            name="LearningSuggestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.CharField(max_length=20, unique=True, verbose_name="编号")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("stronger", "加强核查"),
                            ("review", "评估是否继续实行告知承诺"),
                            ("lighter", "减轻核查"),
                        ],
                        max_length=10,
                        verbose_name="建议类别",
                    ),
                ),
                ("evidence", models.JSONField(default=dict, verbose_name="依据")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("suggested", "待研判"),
                            ("adopted", "已采纳，已向实施机关提出建议"),
                            ("dismissed", "不予采纳"),
                        ],
                        default="suggested",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("created_at", models.DateTimeField(verbose_name="生成时间")),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="研判时间"),
                ),
                ("reason", models.TextField(blank=True, verbose_name="研判意见")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.certificationitem",
                    ),
                ),
                (
                    "outcome",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="oversight.itemoutcome",
                    ),
                ),
            ],
            options={
                "verbose_name": "目录评估建议",
                "verbose_name_plural": "目录评估建议",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="AgencyProposal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.CharField(max_length=20, unique=True, verbose_name="编号")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("stronger", "加强核查"),
                            ("review", "评估是否继续实行告知承诺"),
                            ("lighter", "减轻核查"),
                        ],
                        max_length=10,
                        verbose_name="建议类别",
                    ),
                ),
                ("advice", models.TextField(verbose_name="建议内容")),
                ("evidence", models.JSONField(default=dict, verbose_name="依据")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "待答复"),
                            ("accepted", "已采纳并落实"),
                            ("declined", "不予采纳（已说明理由）"),
                        ],
                        default="open",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("created_at", models.DateTimeField(verbose_name="提出时间")),
                ("answer", models.TextField(blank=True, verbose_name="答复内容")),
                (
                    "answered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="答复时间"),
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
                    "answered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
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
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.certificationitem",
                    ),
                ),
                (
                    "suggestion",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="proposal",
                        to="oversight.learningsuggestion",
                    ),
                ),
            ],
            options={
                "verbose_name": "目录评估意见建议",
                "verbose_name_plural": "目录评估意见建议",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddIndex(
            model_name="itemoutcome",
            index=models.Index(fields=["period_end", "agency"], name="item_outcome_period_agency"),
        ),
        migrations.AddIndex(
            model_name="itemoutcome",
            index=models.Index(fields=["period_end", "rate"], name="item_outcome_period_rate"),
        ),
        migrations.AddConstraint(
            model_name="itemoutcome",
            constraint=models.UniqueConstraint(
                fields=("item", "period_start", "period_end"), name="uniq_item_outcome_period"
            ),
        ),
        migrations.AddIndex(
            model_name="learningsuggestion",
            index=models.Index(fields=["status", "kind"], name="learning_suggestion_status"),
        ),
        migrations.AddConstraint(
            model_name="learningsuggestion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "suggested")),
                fields=("item", "kind"),
                name="one_open_learning_suggestion",
            ),
        ),
        migrations.AddIndex(
            model_name="agencyproposal",
            index=models.Index(fields=["agency", "status"], name="agency_proposal_status"),
        ),
    ]
