"""What import_figures and import_claims share: options, progress on a terminal, errors, exit status."""

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims import spreadsheets
from claims.spreadsheets import FORMATS


class ImportCommand(BaseCommand):
    noun = "rows"

    def importer(self):
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument("--create-missing", action="store_true",
                            help="Create the sources and entities the file names and factbase lacks (never metrics).")
        parser.add_argument("--publish", action="store_true",
                            help="Publish the sources it creates and write its rows as unverified (not draft), for a "
                                 "dataset you trust.")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file name's extension.")
        parser.add_argument("--encoding", help="CSV text encoding, e.g. latin-1 (default: UTF-8, or as its BOM says).")
        parser.add_argument("--user", help="Username recorded as the importer (default: none).")

    def handle(self, *args, file, user, format, **options):
        if options.get("encoding"):
            try:  # named before the file is opened, in the reader's own words
                spreadsheets.text_encoding(options["encoding"])
            except spreadsheets.FileProblem as problem:
                raise CommandError(str(problem)) from None
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

        def progress(rows, written):
            if show_progress:
                rate = rows / max(time.monotonic() - started, 1e-6)
                sys.stderr.write(f"\r{rows:>10,} rows checked  ({rate:,.0f} rows/s)")
                sys.stderr.flush()

        keys = ("dry_run", "create_missing", "publish", "encoding", "decimal_comma")
        with stream:
            report = self.importer()(stream, file_name=file, file_format=format, user=importer, keep_rows=0,
                                     progress=progress, **{key: options[key] for key in keys if key in options})
        if show_progress:
            sys.stderr.write("\n")
        for line in report.error_lines():
            self.stderr.write(line)
        created = [f"source {s}" for s in report.created_sources] + [f"entity {e}" for e in report.created_entities]
        if created:
            verb = "Created" if report.ok and not options["dry_run"] else "Would create"
            self.stdout.write(f"{verb} {len(created):,}: " + ", ".join(created))
        self.stdout.write(report.summary() + (f" (batch #{report.batch.pk})" if report.batch else "") + ".")
        if not report.ok:
            raise CommandError(f"{report.error_count:,} errors in {file}; nothing was imported.")
