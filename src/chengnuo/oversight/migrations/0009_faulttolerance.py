# 容错: this part's tables (written by hand so each part's migration holds only its own)

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0008_reports"),
        ("agencies", "0003_alter_membership_role"),
        ("cases", "0005_commitment_publication_index"),
        ("verification", "0005_task_origin_ref"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EvidencePack",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField(verbose_name="版本")),
                ("content", models.JSONField(verbose_name="证据材料")),
                ("digest", models.CharField(max_length=64, verbose_name="摘要")),
                ("algorithm", models.CharField(max_length=10, verbose_name="摘要算法")),
                ("assembled_at", models.DateTimeField(verbose_name="汇集时间")),
                (
                    "assembled_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "容错审查证据材料",
                "ordering": ["review_id", "-version"],
            },
        ),
        migrations.CreateModel(
            name="FaultReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.CharField(max_length=20, unique=True, verbose_name="审查编号")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("false_commitment", "虚假承诺造成损失"),
                            ("wrong_refusal", "错误不予办理"),
                            ("overdue", "超期办理或超期核查"),
                        ],
                        max_length=20,
                        verbose_name="不利后果类型",
                    ),
                ),
                ("loss", models.TextField(blank=True, verbose_name="损失情况")),
                ("grounds", models.TextField(blank=True, verbose_name="审查事由")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "审查中"), ("decided", "已作出结论")],
                        default="open",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("opened_at", models.DateTimeField(verbose_name="开展审查时间")),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="agencies.agency",
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="cases.case",
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
                    "pack",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="oversight.evidencepack",
                        verbose_name="当前证据材料",
                    ),
                ),
                (
                    "task",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="verification.verificationtask",
                    ),
                ),
            ],
            options={
                "verbose_name": "容错审查",
                "verbose_name_plural": "容错审查",
                "ordering": ["-opened_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="FaultDecision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "conclusion",
                    models.CharField(
                        choices=[
                            ("reasonable_error", "合理容错"),
                            ("dereliction", "失职"),
                            ("accountability", "需追责"),
                        ],
                        max_length=20,
                        verbose_name="审查结论",
                    ),
                ),
                ("reasons", models.TextField(verbose_name="理由")),
                ("basis", models.TextField(verbose_name="依据")),
                ("decided_at", models.DateTimeField(verbose_name="作出结论时间")),
                (
                    "corrects",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrected_by",
                        to="oversight.faultdecision",
                        verbose_name="更正的结论",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "pack",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="oversight.evidencepack",
                    ),
                ),
                (
                    "persons",
                    models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="相关人员",
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="decisions",
                        to="oversight.faultreview",
                    ),
                ),
            ],
            options={
                "verbose_name": "容错审查结论",
                "ordering": ["review_id", "decided_at", "id"],
            },
        ),
        migrations.AddField(
            model_name="evidencepack",
            name="review",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="packs",
                to="oversight.faultreview",
            ),
        ),
        migrations.AddIndex(
            model_name="faultreview",
            index=models.Index(fields=["agency", "opened_at"], name="fault_review_agency_idx"),
        ),
        migrations.AddConstraint(
            model_name="faultreview",
            constraint=models.UniqueConstraint(
                fields=("case", "kind"), name="uniq_fault_review_case_kind"
            ),
        ),
        migrations.AddConstraint(
            model_name="evidencepack",
            constraint=models.UniqueConstraint(
                fields=("review", "version"), name="uniq_evidence_pack_version"
            ),
        ),
    ]
