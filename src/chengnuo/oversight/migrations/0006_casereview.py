# 案卷评查: this part's tables (written by hand so each part's migration holds only its own)

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0005_portalchecks"),
        ("agencies", "0003_alter_membership_role"),
        ("cases", "0005_commitment_publication_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ScoringSheet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="评查标准名称")),
                ("version", models.PositiveSmallIntegerField(default=1, verbose_name="版本")),
                ("effective", models.DateField(verbose_name="施行日期")),
                (
                    "excellent_min",
                    models.PositiveSmallIntegerField(default=90, verbose_name="优秀分数线"),
                ),
                (
                    "pass_min",
                    models.PositiveSmallIntegerField(default=60, verbose_name="合格分数线"),
                ),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="修订说明")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
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
                "verbose_name": "评查标准",
                "verbose_name_plural": "评查标准",
                "ordering": ["name", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("name", "version"), name="uniq_review_sheet_version"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ScoringItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(verbose_name="序号")),
                ("heading", models.CharField(max_length=60, verbose_name="评查项目")),
                ("description", models.TextField(verbose_name="评查内容")),
                ("max_points", models.PositiveSmallIntegerField(verbose_name="分值")),
                ("veto", models.BooleanField(default=False, verbose_name="否决项")),
                (
                    "sheet",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="items",
                        to="oversight.scoringsheet",
                    ),
                ),
            ],
            options={
                "verbose_name": "评查项目",
                "ordering": ["sheet_id", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("sheet", "position"), name="uniq_review_item_position"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CaseReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.CharField(max_length=24, unique=True, verbose_name="编号")),
                ("period_start", models.DateField(verbose_name="办结日期自")),
                ("period_end", models.DateField(verbose_name="办结日期至")),
                ("quota", models.PositiveSmallIntegerField(verbose_name="抽取数量")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("committed", "已提交随机数承诺"),
                            ("frozen", "案卷名录已冻结"),
                            ("drawn", "已抽取案卷"),
                            ("abandoned", "已终止"),
                        ],
                        default="committed",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("algorithm", models.CharField(max_length=20, verbose_name="抽取算法")),
                (
                    "reviewer_commitment",
                    models.CharField(max_length=64, verbose_name="评查人员随机数承诺"),
                ),
                (
                    "platform_commitment",
                    models.CharField(blank=True, max_length=64, verbose_name="平台随机数承诺"),
                ),
                ("platform_share_cipher", models.TextField(blank=True)),
                (
                    "reviewer_share",
                    models.CharField(blank=True, max_length=64, verbose_name="评查人员随机数"),
                ),
                (
                    "platform_share",
                    models.CharField(blank=True, max_length=64, verbose_name="平台随机数"),
                ),
                ("seed", models.CharField(blank=True, max_length=64, verbose_name="随机种子")),
                ("pool", models.JSONField(blank=True, default=list, verbose_name="案卷名录")),
                ("pool_size", models.PositiveIntegerField(default=0, verbose_name="名录数量")),
                (
                    "pool_digest",
                    models.CharField(blank=True, max_length=64, verbose_name="名录摘要"),
                ),
                ("selected", models.JSONField(blank=True, default=list, verbose_name="抽中案卷")),
                ("opened_at", models.DateTimeField(verbose_name="发起时间")),
                ("frozen_at", models.DateTimeField(blank=True, null=True, verbose_name="冻结时间")),
                ("drawn_at", models.DateTimeField(blank=True, null=True, verbose_name="抽取时间")),
                ("abandon_reason", models.TextField(blank=True, verbose_name="终止理由")),
                (
                    "abandoned_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="终止时间"),
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
                    "opened_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "sheet",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="oversight.scoringsheet",
                    ),
                ),
            ],
            options={
                "verbose_name": "案卷评查",
                "verbose_name_plural": "案卷评查",
                "ordering": ["-opened_at", "-id"],
                "indexes": [
                    models.Index(fields=["agency", "opened_at"], name="case_review_agency_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="CaseFileScore",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("total", models.PositiveSmallIntegerField(verbose_name="得分")),
                (
                    "grade",
                    models.CharField(
                        choices=[("excellent", "优秀"), ("pass", "合格"), ("fail", "不合格")],
                        max_length=10,
                        verbose_name="评查等次",
                    ),
                ),
                ("evidence", models.JSONField(default=list, verbose_name="引用的办件记录")),
                ("summary", models.TextField(blank=True, verbose_name="评查意见")),
                ("current", models.BooleanField(default=True, verbose_name="现行结果")),
                ("correction_reason", models.TextField(blank=True, verbose_name="更正理由")),
                ("scored_at", models.DateTimeField(verbose_name="评查时间")),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="cases.case",
                    ),
                ),
                (
                    "corrects",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrected_by",
                        to="oversight.casefilescore",
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="scores",
                        to="oversight.casereview",
                    ),
                ),
            ],
            options={
                "verbose_name": "案卷评查结果",
                "ordering": ["review_id", "case_id", "-scored_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("current", True)),
                        fields=("review", "case"),
                        name="uniq_case_file_score_current",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CaseFileScoreLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("points", models.PositiveSmallIntegerField(verbose_name="得分")),
                ("note", models.TextField(blank=True, verbose_name="扣分理由")),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="oversight.scoringitem",
                    ),
                ),
                (
                    "score",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="oversight.casefilescore",
                    ),
                ),
            ],
            options={
                "ordering": ["score_id", "item__position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("score", "item"), name="uniq_case_file_score_line"
                    )
                ],
            },
        ),
    ]
