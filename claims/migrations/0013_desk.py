"""The reviewers' queue reads what awaits a verdict oldest first: a partial index each on claims and figures, holding
only the unverified ones (claims.review_queue)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0011_suggestions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(condition=models.Q(("status", "unverified")), fields=["edited_at", "created_at", "id"],
                               name="claim_awaiting_review"),
        ),
        migrations.AddIndex(
            model_name="figure",
            index=models.Index(condition=models.Q(("status", "unverified")), fields=["edited_at", "created_at", "id"],
                               name="figure_awaiting_review"),
        ),
    ]
