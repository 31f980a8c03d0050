# 督察情况通报: this part's tables (written by hand so each part's migration holds only its own)

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("oversight", "0007_indicators"),
        ("agencies", "0003_alter_membership_role"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Report",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.CharField(blank=True, max_length=40, verbose_name="文号")),
                ("year", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="年度")),
                ("sequence", models.PositiveIntegerField(blank=True, null=True, verbose_name="序号")),
                ("title", models.CharField(max_length=100, verbose_name="标题")),
                ("period_start", models.DateField(verbose_name="通报期间起")),
                ("period_end", models.DateField(verbose_name="通报期间止")),
                ("sections", models.JSONField(default=list, verbose_name="正文")),
                ("figures", models.JSONField(default=dict, verbose_name="数据")),
                ("status", models.CharField(choices=[("draft", "草稿"), ("issued", "已印发")], default="draft", max_length=10, verbose_name="状态")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="起草时间")),
                ("issued_at", models.DateTimeField(blank=True, null=True, verbose_name="印发时间")),
                ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("issued_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("issuer", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="agencies.agency", verbose_name="印发机关")),
            ],
            options={
                "verbose_name": "督察情况通报",
                "verbose_name_plural": "督察情况通报",
                "ordering": ["-issued_at", "-id"],
                "indexes": [models.Index(fields=["issuer", "status"], name="oversight_report_issuer")],
                "constraints": [models.UniqueConstraint(fields=("issuer", "year", "sequence"), name="oversight_report_number")],
            },
        ),
        migrations.CreateModel(
            name="ReportRecipient",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True, verbose_name="签收时间")),
                ("note", models.TextField(blank=True, verbose_name="签收意见")),
                ("acknowledged_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("agency", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="agencies.agency", verbose_name="主送单位")),
                ("report", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="recipients", to="oversight.report")),
            ],
            options={
                "verbose_name": "通报主送单位",
                "verbose_name_plural": "通报主送单位",
                "ordering": ["report_id", "agency_id"],
                "indexes": [models.Index(fields=["agency", "report"], name="oversight_recipient_agency")],
                "constraints": [models.UniqueConstraint(fields=("report", "agency"), name="oversight_report_recipient")],
            },
        ),
        migrations.CreateModel(
            name="ReportRevision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField(verbose_name="稿次")),
                ("title", models.CharField(max_length=100, verbose_name="标题")),
                ("sections", models.JSONField(default=list, verbose_name="正文")),
                ("recipient_ids", models.JSONField(default=list, verbose_name="主送单位")),
                ("saved_at", models.DateTimeField(verbose_name="保存时间")),
                ("report", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="revisions", to="oversight.report")),
                ("saved_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "通报修改记录",
                "verbose_name_plural": "通报修改记录",
                "ordering": ["report_id", "-number"],
                "constraints": [models.UniqueConstraint(fields=("report", "number"), name="oversight_report_revision")],
            },
        ),
    ]
