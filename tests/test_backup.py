"""A backup, made as the README says, restores into a fresh database with the same data: the full figure
export is byte-identical, and the restored database goes on working (sequences, search triggers).

Each half runs on its own database: the PostgreSQL half in the PostgreSQL run of the suite, the SQLite
half in the SQLite run.
"""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

# pg_dump and the backup API read what is committed, so the seed corpus must be.
pytestmark = pytest.mark.django_db(transaction=True)

# Run in the restored database after the export: a new row takes the next id (the sequence came back),
# and on PostgreSQL a touched figure gets its search vector from the trigger again.
AFTER_RESTORE = """
import json
from django.db import connection
from sources.models import Outlet
top = Outlet.objects.order_by("-pk").values_list("pk", flat=True).first()
added = Outlet.objects.create(slug="added-after-restore", name="Added after the restore")
result = {"sequence_continues": added.pk > top}
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_figure SET search_vector = NULL WHERE id = (SELECT min(id) FROM claims_figure) "
                       "RETURNING search_vector IS NOT NULL")
        result["trigger_fills_search_vector"] = cursor.fetchone()[0]
print(json.dumps(result))
"""


def manage(database_url, *args):
    unset = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**env, "DATABASE_URL": database_url},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def export_here(path: Path) -> bytes:
    call_command("export_figures", format="csv", output=str(path))
    return path.read_bytes()


def export_from(database_url: str, path: Path) -> bytes:
    manage(database_url, "export_figures", "--format", "csv", "-o", str(path))
    return path.read_bytes()


@pytest.fixture
def seeded():
    call_command("seed", verbosity=0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL half runs when DATABASE_URL is one")
def test_a_pg_dump_restores_into_a_fresh_database_with_the_same_export(seeded, tmp_path):
    settings = connection.settings_dict
    restored = f"{settings['NAME']}_restored"

    def url(name):
        user = quote(settings["USER"] or "", safe="")
        password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
        port = f":{settings['PORT']}" if settings["PORT"] else ""
        return f"postgres://{user}{password}{'@' if user else ''}{settings['HOST']}{port}/{name}"

    def run(*command):
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr

    before = export_here(tmp_path / "before.csv")
    dump = tmp_path / "factbase.dump"
    run("pg_dump", "--format=custom", f"--file={dump}", url(settings["NAME"]))
    run("dropdb", "--if-exists", f"--maintenance-db={url('postgres')}", restored)
    run("createdb", f"--maintenance-db={url('postgres')}", restored)
    try:
        run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url(restored)}", str(dump))
        after = export_from(url(restored), tmp_path / "after.csv")
        assert after.count(b"\n") > 50  # the whole seed corpus, not an empty file twice
        assert after == before
        after_restore = json.loads(manage(url(restored), "shell", "--no-imports", "-c", AFTER_RESTORE))
        assert after_restore == {"sequence_continues": True, "trigger_fills_search_vector": True}
    finally:
        run("dropdb", "--if-exists", f"--maintenance-db={url('postgres')}", restored)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite half runs when DATABASE_URL is SQLite")
def test_an_sqlite_backup_restores_into_a_fresh_database_with_the_same_export(seeded, tmp_path):
    before = export_here(tmp_path / "before.csv")
    backup, fresh = tmp_path / "backup.sqlite3", tmp_path / "restored.sqlite3"
    # The backup API, as the README's one-liners use it: safe while the application writes, unlike a copy.
    connection.ensure_connection()
    with sqlite3.connect(backup) as target:
        connection.connection.backup(target)
    with sqlite3.connect(backup) as source, sqlite3.connect(fresh) as target:
        source.backup(target)
    after = export_from(f"sqlite:///{fresh}", tmp_path / "after.csv")
    assert after.count(b"\n") > 50  # the whole seed corpus, not an empty file twice
    assert after == before
    after_restore = json.loads(manage(f"sqlite:///{fresh}", "shell", "--no-imports", "-c", AFTER_RESTORE))
    assert after_restore == {"sequence_continues": True}
