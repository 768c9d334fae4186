"""`fangkong backup [--output PATH]`: a dump of the database plus a manifest to verify it by."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangkong.ops.backup import BackupError, backup_create, manifest_path_for


class Command(BaseCommand):
    help = "Back up the database (pg_dump or SQLite's backup API) and write a manifest next to the dump."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None,
                            help="Dump file (default: $FANGKONG_DATA_DIR/backups/fangkong-<time>.<dump|sqlite3>).")

    def handle(self, *args, output=None, **options):
        try:
            manifest = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        dump = Path(output) if output else None
        rows = sum(manifest["row_counts"].values())
        name = str(dump) if dump else manifest["file"]
        self.stdout.write(f"Backed up {len(manifest['row_counts'])} tables, {rows} rows to {name}")
        if dump:
            self.stdout.write(f"Manifest: {manifest_path_for(dump)}")
