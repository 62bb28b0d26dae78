from claims.imports import import_figures
from claims.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a figure spreadsheet (CSV, XLSX, ODS or JSON) by the same rules as the admin import. "
        "All or nothing: any bad row writes nothing and exits non-zero with row-level errors."
    )

    def importer(self):
        return import_figures

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--decimal-comma", action="store_true", help="Numbers are written 0,332 and 1.234,5.")
