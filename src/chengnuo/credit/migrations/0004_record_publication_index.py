from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0003_sanctionnotice"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="creditrecord",
            index=models.Index(
                fields=["publish_to", "decided_on"], name="credit_cred_publish_5b903e_idx"
            ),
        ),
    ]
