# 整改通知: rectification notices

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0003_alter_membership_role'),
        ('oversight', '0003_keytasks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Rectification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=20, unique=True, verbose_name='编号')),
                ('source', models.CharField(choices=[('portal_check', '浏览政务服务网站'), ('case_review', '案卷评查'), ('joint_inspection', '联合督查'), ('fault_tolerance', '容错审查'), ('learning', '核查结果评估')], max_length=20, verbose_name='来源')),
                ('target_type', models.CharField(max_length=60, verbose_name='问题记录类型')),
                ('target_id', models.PositiveBigIntegerField(verbose_name='问题记录')),
                ('title', models.CharField(max_length=100, verbose_name='问题')),
                ('text', models.TextField(verbose_name='问题和整改要求')),
                ('deadline', models.DateField(verbose_name='整改期限')),
                ('status', models.CharField(choices=[('open', '待整改'), ('answered', '已报送整改情况'), ('closed', '已销号')], default='open', max_length=10, verbose_name='状态')),
                ('issued_at', models.DateTimeField(verbose_name='下发时间')),
                ('answer', models.TextField(blank=True, verbose_name='整改情况')),
                ('evidence', models.TextField(blank=True, verbose_name='佐证材料')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='报送时间')),
                ('review_note', models.TextField(blank=True, verbose_name='审核意见')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='销号时间')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '整改通知',
                'verbose_name_plural': '整改通知',
                'ordering': ['-issued_at', '-id'],
                'indexes': [models.Index(fields=['agency', 'status', 'deadline'], name='rectification_agency_idx')],
                'constraints': [models.UniqueConstraint(fields=('target_type', 'target_id'), name='rectification_one_per_target')],
            },
        ),
    ]
