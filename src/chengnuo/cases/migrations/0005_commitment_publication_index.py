from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_timeline_in_the_spine"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                fields=["publish_to", "publish_from"], name="cases_commi_publish_bdcdcb_idx"
            ),
        ),
    ]
