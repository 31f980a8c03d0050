# 浏览政务服务网站: this part's tables (written by hand so each part's migration holds only its own)

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_alter_membership_role"),
        ("catalog", "0002_proposal_revisions"),
        ("oversight", "0004_rectification"),
    ]

    operations = [
        migrations.CreateModel(
            name="PortalCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="检查日期")),
                ("finished_at", models.DateTimeField(verbose_name="检查完成时间")),
                ("snapshot", models.JSONField(default=dict, verbose_name="网站公布内容快照")),
                ("digest", models.CharField(max_length=64, verbose_name="SM3摘要")),
                (
                    "items_count",
                    models.PositiveIntegerField(
                        default=0, verbose_name="实行告知承诺制的证明事项数"
                    ),
                ),
                (
                    "findings_count",
                    models.PositiveIntegerField(default=0, verbose_name="发现问题数"),
                ),
                (
                    "changes",
                    models.JSONField(blank=True, default=list, verbose_name="与上次检查相比的变化"),
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
                    "previous",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="oversight.portalcheck",
                    ),
                ),
            ],
            options={
                "verbose_name": "浏览政务服务网站检查",
                "verbose_name_plural": "浏览政务服务网站检查",
                "ordering": ["agency_id", "-day"],
            },
        ),
        migrations.CreateModel(
            name="PortalFinding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "item_code",
                    models.CharField(
                        blank=True, default="", max_length=40, verbose_name="证明事项编码"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("catalog_missing", "未公布目录清单"),
                            ("notification_missing", "未公布告知书"),
                            ("commitment_missing", "未公布承诺书"),
                            ("guide_missing", "未公布办事指南"),
                            ("work_rules_missing", "未公布工作规程"),
                            ("marking_missing", "申请材料未标注“实行告知承诺制”"),
                            ("lint", "公布的文本含模糊表述或兜底条款"),
                            ("legal_basis_missing", "未写明设定依据"),
                        ],
                        max_length=24,
                        verbose_name="问题类型",
                    ),
                ),
                ("text", models.TextField(verbose_name="问题描述")),
                ("details", models.JSONField(blank=True, default=list, verbose_name="问题明细")),
                ("first_seen", models.DateField(verbose_name="首次发现")),
                ("last_seen", models.DateField(verbose_name="最近发现")),
                ("resolved_on", models.DateField(blank=True, null=True, verbose_name="已解决日期")),
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
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.certificationitem",
                        verbose_name="证明事项",
                    ),
                ),
                (
                    "last_check",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="oversight.portalcheck",
                    ),
                ),
                (
                    "rectification",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="oversight.rectification",
                        verbose_name="整改通知",
                    ),
                ),
            ],
            options={
                "verbose_name": "网站检查发现的问题",
                "verbose_name_plural": "网站检查发现的问题",
                "ordering": ["agency_id", "item_code", "kind", "-first_seen"],
            },
        ),
        migrations.AddConstraint(
            model_name="portalcheck",
            constraint=models.UniqueConstraint(
                fields=("agency", "day"), name="uniq_portal_check_day"
            ),
        ),
        migrations.AddIndex(
            model_name="portalfinding",
            index=models.Index(fields=["agency", "resolved_on"], name="portal_finding_open_idx"),
        ),
        migrations.AddConstraint(
            model_name="portalfinding",
            constraint=models.UniqueConstraint(
                condition=models.Q(("resolved_on__isnull", True)),
                fields=("agency", "item_code", "kind"),
                name="uniq_portal_finding_open",
            ),
        ),
    ]
