"""PostgreSQL only: the directory of each matter in code-point order of its public
references, covering what a draw reads. It replaces `entry_ref_c` (references alone): with the
matter leading, freezing the pool of one matter reads that matter's entries only, whatever the
size of the directory, and a range of references within it is one contiguous part of the index
(services._pool_postgresql reads a large pool in several ranges at once)."""

from django.db import migrations

INDEX = "entry_matter_ref_c"
OLD = "entry_ref_c"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "supervision_subjectentry" '
        '("matter_id", "ref" COLLATE "C") INCLUDE ("active", "subject_id", "credit_class", '
        '"region", "industry")'
    )
    schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD}"')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{OLD}" ON "supervision_subjectentry" '
        '("ref" COLLATE "C") INCLUDE ("matter_id", "active", "subject_id", "credit_class", '
        '"region", "industry")'
    )
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_entry_ref_c")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
