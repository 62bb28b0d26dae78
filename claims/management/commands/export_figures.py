from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.exports import FIGURE_COLUMNS, figure_rows, write_file
from claims.models import Figure, Metric
from claims.spreadsheets import FORMATS
from sources.models import Source


class Command(BaseCommand):
    help = "Export figures with the spreadsheet columns that import_figures reads back."

    def add_arguments(self, parser):
        parser.add_argument("--source", action="append", default=[], help="Source slug (repeatable).")
        parser.add_argument("--metric", action="append", default=[], help="Metric slug (repeatable).")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("-o", "--output", required=True, help="File to write ('-' for standard output).")

    def handle(self, *args, source, metric, format, output, **options):
        figures = Figure.objects.all()
        if source:
            unknown = set(source) - set(Source.objects.filter(slug__in=source).values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"Unknown source(s): {', '.join(sorted(unknown))}")
            figures = figures.filter(source__slug__in=source)
        if metric:
            unknown = set(metric) - set(Metric.objects.filter(slug__in=metric).values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"Unknown metric(s): {', '.join(sorted(unknown))}")
            figures = figures.filter(metric__slug__in=metric)
        if output == "-":
            if format in ("xlsx", "ods"):
                raise CommandError(f"{format} is a binary format; give a file name with -o")
            write_file(FIGURE_COLUMNS, figure_rows(figures), format, self.stdout._out.buffer)
            return
        path = Path(output)
        partial = path.with_name(path.name + ".partial")
        try:
            with open(partial, "wb") as target:
                count = write_file(FIGURE_COLUMNS, figure_rows(figures), format, target)
            partial.replace(path)  # never leave a half-written file under the real name
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Cannot write {output}: {error.strerror}") from None
        self.stderr.write(f"Wrote {count:,} figures to {output}.")
