"""django-import-export resources for outlets and sources, keyed by slug; a source's full text travels in every
format."""

from import_export import fields, widgets

from factbase.resources import SafeResource
from sources.models import Outlet, Source


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
