"""PostgreSQL only: a pool's snapshot is stored as it comes, already a zlib stream. The
default storage (EXTENDED) has the database try its own compression on every snapshot first,
which costs a large draw as much time as writing it and gains nothing."""

from django.db import migrations

TABLE = "supervision_poolsnapshot"


def external(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER TABLE "{TABLE}" ALTER COLUMN "members_z" SET STORAGE EXTERNAL')


def extended(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER TABLE "{TABLE}" ALTER COLUMN "members_z" SET STORAGE EXTENDED')


class Migration(migrations.Migration):
    dependencies = [("supervision", "0003_entry_matter_ref_c")]

    operations = [migrations.RunPython(external, extended, elidable=False)]
