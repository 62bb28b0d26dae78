from claims.imports import import_claims
from claims.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a claim spreadsheet (id, source, quote, speaker, status, note) by the same rules as the admin. "
        "Rows match by id, else by source and quote; all or nothing."
    )

    def importer(self):
        return import_claims
