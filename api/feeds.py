"""An Atom feed of newly published figures and reviews (/feed.atom): public records only, at most FEED_SIZE entries.

When a figure was published is read from the history, newest first and only so far back (HISTORY_SCAN rows): a
figure enters the feed when it is saved public (created so, published, or changed while public — a changed number
is news too, as an updated entry) and when its source is published. A review enters when it is given.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F, Q, Window
from django.db.models.functions import Lag
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from claims.models import NOT_PUBLIC, Figure, Review
from sources.models import Source

FEED_SIZE = 50
HISTORY_SCAN = 1000  # history rows read per feed, newest first: enough to find FEED_SIZE figures in a busy day


@dataclass
class Entry:
    title: str
    link: str
    description: str
    updated: datetime
    guid: str


def published_figures(limit: int) -> list[tuple[datetime, Figure]]:
    """The public figures published (or changed while public) last, with that moment, newest first."""
    moments: dict[int, datetime] = {}
    public_versions = Figure.history.model.objects.exclude(status__in=NOT_PUBLIC).order_by("-history_date")
    for pk, moment in public_versions.values_list("id", "history_date")[:HISTORY_SCAN]:
        moments.setdefault(pk, moment)
    # A source's publication makes its public figures public at that moment (its other edits do not).
    sources = (Source.history.annotate(before=Window(Lag("status"), partition_by=[F("id")],
                                                     order_by=F("history_date").asc()))
               .filter(Q(before__isnull=True) | ~Q(before=Source.Status.PUBLISHED), status=Source.Status.PUBLISHED)
               .order_by("-history_date").values_list("id", "history_date")[:limit])
    published = {}
    for pk, moment in sources:
        published.setdefault(pk, moment)
    if published:
        for pk, source_id in (Figure.objects.public().filter(source_id__in=published).order_by("-id")
                              .values_list("id", "source_id")[:HISTORY_SCAN]):
            moments[pk] = max(moments.get(pk, published[source_id]), published[source_id])
    newest = sorted(moments.items(), key=lambda item: item[1], reverse=True)
    figures = Figure.objects.public().filter(pk__in=[pk for pk, _ in newest[: limit * 2]]).select_related(
        "source", "metric", "subject", "attributed_to").defer("search_vector", "source__text", "source__search_vector")
    found = {figure.pk: figure for figure in figures}
    return [(moment, found[pk]) for pk, moment in newest[: limit * 2] if pk in found][:limit]


def latest_reviews(limit: int):
    return list(Review.objects.public()
                .select_related("claim__source", "figure__source", "figure__metric", "figure__subject")
                .defer("claim__search_vector", "claim__source__text", "claim__source__search_vector",
                       "figure__search_vector", "figure__source__text", "figure__source__search_vector")
                .order_by("-reviewed_at", "-id")[:limit])


def figure_entry(moment: datetime, figure: Figure) -> Entry:
    origin = f", attributed to {figure.attributed_to.name}" if figure.attributed_to else ""
    return Entry(
        title=f"“{figure.value_text}”: {figure.metric.name}, {figure.subject.name}, {figure.period_display}",
        link=figure.get_absolute_url(),
        description=(f"{figure.bounds_display} {figure.metric.unit}, as reported by {figure.source.title}{origin}. "
                     f"Status: {figure.get_status_display()}."),
        updated=moment, guid=figure.get_absolute_url(),
    )


def review_entry(review: Review) -> Entry:
    target = review.target
    what = (f"the claim {target}" if review.claim_id
            else f"the figure “{target.value_text}” ({target.metric.name}, {target.subject.name})")
    return Entry(
        title=f"{review.get_verdict_display()}: {what}",
        link=target.get_absolute_url(),
        description=f"{review.get_verdict_display()}, {target.source.title}: {review.rationale}",
        updated=review.reviewed_at, guid=f"{target.get_absolute_url()}#review-{review.pk}",
    )


class LatestFeed(Feed):
    feed_type = Atom1Feed
    title = "factbase: newly published figures and reviews"
    subtitle = "Figures as their sources report them, and reviewers' verdicts on figures and claims."

    def link(self):
        return reverse("claims:home")

    def author_name(self):
        return settings.REVIEWING_ORGANISATION

    def get_object(self, request, *args, **kwargs):
        return request  # entries' ids are absolute addresses

    def items(self, request) -> list[Entry]:
        entries = [figure_entry(moment, figure) for moment, figure in published_figures(FEED_SIZE)]
        entries += [review_entry(review) for review in latest_reviews(FEED_SIZE)]
        entries = sorted(entries, key=lambda entry: entry.updated, reverse=True)[:FEED_SIZE]
        for entry in entries:
            entry.guid = request.build_absolute_uri(entry.guid)
        return entries

    def item_title(self, entry: Entry) -> str:
        return entry.title

    def item_description(self, entry: Entry) -> str:
        return entry.description

    def item_link(self, entry: Entry) -> str:
        return entry.link

    def item_guid(self, entry: Entry) -> str:
        return entry.guid

    def item_updateddate(self, entry: Entry) -> datetime:
        return entry.updated
