import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.importing import import_figures
from claims.spreadsheets import FORMATS


class Command(BaseCommand):
    help = (
        "Import a figure spreadsheet (CSV, XLSX, ODS or JSON) by the same rules as the admin import. "
        "All or nothing: any bad row writes nothing and exits non-zero with row-level errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument("--create-missing", action="store_true",
                            help="Create the sources and subjects the file names and factbase lacks (never metrics).")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file name's extension.")
        parser.add_argument("--encoding", help="CSV text encoding, e.g. latin-1 (default: UTF-8, or as its BOM says).")
        parser.add_argument("--decimal-comma", action="store_true", help="Numbers are written 0,332 and 1.234,5.")
        parser.add_argument("--user", help="Username recorded as the importer (default: none).")

    def handle(self, *args, file, dry_run, create_missing, format, encoding, decimal_comma, user, **options):
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user named “{user}”.")
        try:
            stream = open(file, "rb")  # noqa: SIM115 - closed below
        except OSError as error:
            raise CommandError(f"Cannot open {file}: {error.strerror}") from None
        started = time.monotonic()
        show_progress = sys.stderr.isatty() and options.get("verbosity", 1) > 0

        def progress(rows):
            if show_progress:
                rate = rows / max(time.monotonic() - started, 1e-6)
                sys.stderr.write(f"\r{rows:>10,} rows checked  ({rate:,.0f} rows/s)")
                sys.stderr.flush()

        with stream:
            report = import_figures(
                stream, file_name=file, file_format=format, encoding=encoding, decimal_comma=decimal_comma,
                create_missing=create_missing, dry_run=dry_run, user=importer, keep_rows=False, progress=progress,
            )
        if show_progress:
            sys.stderr.write("\n")
        for error in report.errors:
            self.stderr.write(str(error))
        if report.error_count > len(report.errors):
            self.stderr.write(f"… and {report.error_count - len(report.errors):,} more errors.")
        created = [f"source {s}" for s in report.created_sources] + [f"entity {e}" for e in report.created_entities]
        if created:
            verb = "Created" if report.ok and not dry_run else "Would create"
            self.stdout.write(f"{verb}: " + ", ".join(created))
        self.stdout.write(report.summary() + (f" (batch #{report.batch.pk})" if report.batch else "") + ".")
        if not report.ok:
            raise CommandError(f"{report.error_count:,} errors in {file}; nothing was imported.")
