"""django-import-export resources for sources, claims, entities, metrics and outlets.

Figures have their own pipeline (claims.imports and claims.exports): the
same columns in and out, but validated and written in bulk, which a
row-at-a-time resource cannot do at the speed curators need.
"""

from import_export import fields, resources, widgets

from claims.models import Claim, Entity, Metric
from claims.spreadsheets import escape_formula, unescape_formula
from sources.models import Outlet, Source


class SafeResource(resources.ModelResource):
    """Escape every cell a spreadsheet would run as a formula, and undo it on the way back in."""

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for key in list(row.keys()):
            row[key] = unescape_formula(row[key])


class OutletResource(SafeResource):
    class Meta:
        model = Outlet
        import_id_fields = ["slug"]
        fields = ["slug", "name", "kind", "url", "note"]
        skip_unchanged = True
        report_skipped = True


class SourceResource(SafeResource):
    outlet = fields.Field(attribute="outlet", column_name="outlet", widget=widgets.ForeignKeyWidget(Outlet, "slug"))
    content_hash = fields.Field(attribute="content_hash", column_name="content_hash", readonly=True)

    class Meta:
        model = Source
        import_id_fields = ["slug"]
        fields = ["slug", "title", "kind", "outlet", "authors", "published_on", "published_precision", "language",
                  "url", "archived_url", "reliability", "status", "note", "text", "content_hash"]
        export_order = fields
        skip_unchanged = True
        report_skipped = True


class EntityResource(SafeResource):
    aliases = fields.Field(column_name="aliases", readonly=True)

    class Meta:
        model = Entity
        import_id_fields = ["slug"]
        fields = ["slug", "name", "kind", "description", "aliases"]
        skip_unchanged = True
        report_skipped = True

    def dehydrate_aliases(self, entity):
        return "; ".join(alias.name for alias in entity.aliases.all())


class MetricResource(SafeResource):
    class Meta:
        model = Metric
        import_id_fields = ["slug"]
        fields = ["slug", "name", "unit", "min_value", "max_value", "description"]
        skip_unchanged = True
        report_skipped = True


class ClaimResource(SafeResource):
    source = fields.Field(attribute="source", column_name="source", widget=widgets.ForeignKeyWidget(Source, "slug"))
    speaker = fields.Field(attribute="speaker", column_name="speaker",
                           widget=widgets.ForeignKeyWidget(Entity, "slug"))
    anchor_start = fields.Field(attribute="anchor_start", column_name="anchor_start", readonly=True)
    anchor_end = fields.Field(attribute="anchor_end", column_name="anchor_end", readonly=True)

    class Meta:
        model = Claim
        fields = ["id", "source", "quote", "speaker", "status", "note", "anchor_start", "anchor_end"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True  # a misquote is refused as in the admin form
