"""The source page's lists in text order, read from an index: claims.views.source_detail reads
`source.figures.public().order_by("anchor_start", "id")[:101]` and the same of `source.claims`. With id in the index
the first rows of a source of 10,000 figures come in order and the read stops; without it all 10,000 are sorted."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("claims", "0013_desk")]

    operations = [
        migrations.RemoveIndex(model_name="figure", name="figure_source"),
        # source_detail: figures of one source, first 100 in (anchor_start, id) order
        migrations.AddIndex(model_name="figure",
                            index=models.Index(fields=["source", "anchor_start", "id"], name="figure_source")),
        migrations.RemoveIndex(model_name="claim", name="claims_clai_source__338b50_idx"),
        # source_detail: claims of one source, first 100 in (anchor_start, id) order
        migrations.AddIndex(model_name="claim",
                            index=models.Index(fields=["source", "anchor_start", "id"], name="claim_source")),
    ]
