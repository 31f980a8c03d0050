"""PostgreSQL only: the directory in code-point order of its public references, covering what
a draw reads, so that freezing a pool of one matter is an index-only scan with no sort
(services._strata_postgresql). SQLite compares text by code point already."""

from django.db import migrations

INDEX = "entry_ref_c"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "supervision_subjectentry" '
        '("ref" COLLATE "C") INCLUDE ("matter_id", "active", "subject_id", "credit_class", '
        '"region", "industry")'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
