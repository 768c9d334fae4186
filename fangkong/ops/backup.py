"""Backups that prove themselves: a dump, and next to it a manifest of row counts and checksums.

PostgreSQL: `pg_dump --format=custom` from the same snapshot the manifest is computed in, restored by
`pg_restore --clean --if-exists --single-transaction`. SQLite: the online backup API, both ways.
`backup_restore` checks the dump against the manifest before touching the database and verifies the
database against it afterwards.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

MANIFEST_FORMAT = 1
# Tables whose content is checked row by row: primary key plus a few columns that change in real use.
KEY_TABLES = {
    "territory.Unit": ["path", "name", "code"],
    "people.Person": ["id_number", "name", "status", "household", "unit"],
    "people.Household": ["unit", "number", "address"],
    "tasks.Task": ["status", "due_at", "unit", "owner"],
    "people.StatusChange": ["person", "to_status", "at"],
}


class BackupError(Exception):
    pass


@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)


def manifest_path_for(dump: Path) -> Path:
    return dump.with_name(dump.name + ".manifest.json")


def default_output(alias: str = DEFAULT_DB_ALIAS) -> Path:
    suffix = "sqlite3" if connections[alias].vendor == "sqlite" else "dump"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.DATA_DIR) / "backups" / f"fangkong-{stamp}.{suffix}"


# --- checksums ----------------------------------------------------------------------------------------


def _key_table_queries() -> dict[str, str]:
    """table name → SELECT of its checked columns as text, in primary-key order, for any DB-API cursor."""
    queries = {}
    for label, names in KEY_TABLES.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        columns = [model._meta.pk.column] + [model._meta.get_field(name).column for name in names]
        # CAST to text on both engines, so that the driver's type converters cannot change the digest.
        select = ", ".join(f'CAST("{column}" AS TEXT)' for column in columns)
        queries[model._meta.db_table] = f'SELECT {select} FROM "{model._meta.db_table}" ORDER BY "{columns[0]}"'
    return queries


def _table_digest(cursor, query: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    rows = 0
    cursor.execute(query)
    while batch := cursor.fetchmany(5000):
        for row in batch:
            digest.update("\x1f".join("\\N" if value is None else str(value) for value in row).encode())
            digest.update(b"\n")
        rows += len(batch)
    return rows, digest.hexdigest()


def _table_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def database_summary(cursor, tables: list[str]) -> dict:
    existing = set(tables)
    checksums = {}
    for table, query in _key_table_queries().items():
        if table in existing:
            rows, digest = _table_digest(cursor, query)
            checksums[table] = {"rows": rows, "sha256": digest}
    return {"row_counts": _table_counts(cursor, tables), "checksums": checksums}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [row[0] for row in cursor.fetchall()]


def _live_summary(alias: str) -> dict:
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = _sqlite_tables(cursor) if connection.vendor == "sqlite" else connection.introspection.table_names(
            cursor
        )
        return database_summary(cursor, tables)


# --- backup -------------------------------------------------------------------------------------------


def backup_create(*, output: Path | None = None, alias: str = DEFAULT_DB_ALIAS) -> dict:
    """Writes a dump to `output` and its manifest next to it; returns the manifest."""
    connection = connections[alias]
    output = Path(output or default_output(alias))
    output.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        summary = _sqlite_backup(alias, output)
    elif connection.vendor == "postgresql":
        summary = _pg_backup(alias, output)
    else:
        raise BackupError(f"Backups of {connection.vendor} are not supported.")
    os.chmod(output, 0o600)
    manifest = {
        "format": MANIFEST_FORMAT,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "file": output.name,
        "file_sha256": _file_sha256(output),
        **summary,
    }
    manifest_path = manifest_path_for(output)
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True))
    os.chmod(manifest_path, 0o600)
    return manifest


def _sqlite_backup(alias: str, output: Path) -> dict:
    connection = connections[alias]
    connection.ensure_connection()
    fd, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=".backup-", suffix=".sqlite3")
    os.close(fd)
    try:
        target = sqlite3.connect(tmp_name)
        try:
            connection.connection.backup(target)
            # The manifest describes the file itself, not the live database that may have moved on since.
            target.execute("PRAGMA journal_mode=DELETE")
            summary = database_summary(target.cursor(), _sqlite_tables(target.cursor()))
        finally:
            target.close()
        os.replace(tmp_name, output)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return summary


def _pg_env(alias: str) -> dict:
    params = connections[alias].settings_dict
    env = dict(os.environ)
    for key, value in {
        "PGHOST": params.get("HOST"),
        "PGPORT": params.get("PORT"),
        "PGUSER": params.get("USER"),
        "PGPASSWORD": params.get("PASSWORD"),
        "PGDATABASE": params.get("NAME"),
        "PGSSLMODE": (params.get("OPTIONS") or {}).get("sslmode"),
    }.items():
        if value:
            env[key] = str(value)
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _run(command: list[str], env: dict) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {completed.stderr.strip()[-2000:]}")


def _pg_backup(alias: str, output: Path) -> dict:
    connection = connections[alias]
    pg_dump = _pg_tool("pg_dump")
    tmp = output.with_name("." + output.name + ".partial")
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("Run backups outside a transaction.")
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            # pg_dump reads the very snapshot this transaction holds, so the manifest matches the dump.
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={tmp}"], _pg_env(alias))
            summary = database_summary(cursor, connection.introspection.table_names(cursor))
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary


# --- restore ------------------------------------------------------------------------------------------


def read_manifest(dump: Path) -> dict:
    manifest_path = manifest_path_for(dump)
    if not manifest_path.exists():
        raise BackupError(f"No manifest next to the dump: {manifest_path}")
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as exc:
        raise BackupError(f"The manifest {manifest_path} is not valid JSON: {exc}") from exc
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"Unknown manifest format {manifest.get('format')!r} in {manifest_path}")
    return manifest


def backup_restore(*, path: Path, alias: str = DEFAULT_DB_ALIAS) -> Verification:
    """Replaces the database with the dump at `path`, then verifies it against the manifest.

    Refuses a dump whose checksum or engine does not match its manifest, before touching anything.
    Stop the web and worker processes first.
    """
    path = Path(path)
    if not path.exists():
        raise BackupError(f"No such file: {path}")
    manifest = read_manifest(path)
    connection = connections[alias]
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"This is a {manifest['vendor']} dump; the database is {connection.vendor}.")
    if _file_sha256(path) != manifest["file_sha256"]:
        raise BackupError(f"{path} does not match the checksum in its manifest: the file is damaged or was changed.")
    if connection.in_atomic_block:
        raise BackupError("Run restores outside a transaction.")
    if connection.vendor == "sqlite":
        _sqlite_restore(alias, path)
    else:
        _pg_restore(alias, path)
    return backup_verify(manifest=manifest, alias=alias)


def _sqlite_restore(alias: str, path: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _pg_restore(alias: str, path: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    env = _pg_env(alias)
    # Our own connection would hold locks pg_restore needs to drop tables.
    connections[alias].close()
    _run([pg_restore, "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner",
          "--no-privileges", f"--dbname={env.get('PGDATABASE', '')}", str(path)], env)


def backup_verify(*, manifest: dict, alias: str = DEFAULT_DB_ALIAS) -> Verification:
    """Compares the live database with a manifest: the same tables, row counts and checksums."""
    live = _live_summary(alias)
    problems = []
    for table, rows in sorted(manifest["row_counts"].items()):
        if table not in live["row_counts"]:
            problems.append(f"{table}: missing")
        elif live["row_counts"][table] != rows:
            problems.append(f"{table}: {live['row_counts'][table]} rows, the backup had {rows}")
    for table, expected in sorted(manifest["checksums"].items()):
        actual = live["checksums"].get(table)
        if actual is not None and actual["sha256"] != expected["sha256"]:
            problems.append(f"{table}: content differs from the backup")
    return Verification(ok=not problems, problems=problems)
