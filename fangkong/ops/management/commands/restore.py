"""`fangkong restore PATH`: replace the database with a backup, then verify it against its manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangkong.ops.backup import BackupError, backup_restore, read_manifest


class Command(BaseCommand):
    help = "Restore a backup made by `fangkong backup` and verify row counts and checksums. Stop web and worker first."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The dump file; its .manifest.json must lie next to it.")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Do not ask for confirmation.")

    def handle(self, *args, path, interactive=True, **options):
        try:
            manifest = read_manifest(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if interactive:
            answer = input(f"This replaces the whole database with the backup of {manifest['created_at']}. "
                           "Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            verification = backup_restore(path=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not verification.ok:
            raise CommandError("Restored, but the database does not match the manifest:\n  "
                               + "\n  ".join(verification.problems))
        self.stdout.write(f"Restored {path}; {len(manifest['row_counts'])} tables match the manifest.")
