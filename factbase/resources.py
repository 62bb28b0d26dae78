"""What every django-import-export resource shares."""

from import_export import resources

from claims.spreadsheets import escape_formula, unescape_formula


class SafeResource(resources.ModelResource):
    """Escape every cell a spreadsheet would run as a formula, and undo it on the way back in."""

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for key in list(row.keys()):
            row[key] = unescape_formula(row[key])
