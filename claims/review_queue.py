"""The reviewers' queue: published claims and figures that await a verdict, oldest first, and the "review this"
page beside it (the Review add form, with the record's anchor in its source text).

Awaiting review is the status a published record has until a review gives it a verdict — `unverified` (a
verdict lapses back to it when what the record says changes: see Reviewable). Drafts are still being written
and withdrawn records are hidden: neither waits for a reviewer. Nobody reviews what they entered or last
changed (claims.rules.self_review_problem), so the queue leaves those out for whoever is looking.
"""

from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.urls import reverse

from claims.models import Claim, Figure, Metric, Status
from sources.models import Source

PER_PAGE = 50
MAX_PAGE = 100  # each page reads PER_PAGE × page rows of each kind: deeper than this, narrow the filters
COUNT_CAP = 1000
CONTEXT_CHARACTERS = 600  # of the source text either side of the anchor, on the review page
FILTERS = ("kind", "source", "metric")


def awaiting(model, user):
    """Records of `model` awaiting a verdict that `user` may give (a query)."""
    return model.objects.filter(status=Status.UNVERIFIED).exclude(created_by=user).exclude(edited_by=user)


def may_see(user) -> bool:
    """Reviewers, who give the verdicts, and curators, whose entries wait in it."""
    return user.is_active and user.is_staff and (
        user.has_perm("claims.add_review") or user.has_perm("claims.change_figure")
        or user.has_perm("claims.change_claim"))


def may_review(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("claims.add_review")


def review_url(record, queue: str = "") -> str:
    """The "review this" page of a claim or figure; `queue` is the queue's query string, to return to."""
    query = {record.kind: record.pk}
    if queue:
        query["_queue"] = queue
    return f"{reverse('admin:claims_review_add')}?{urlencode(query)}"


def queue_query(raw: str) -> str:
    """Only the queue's own filters from a query string a form carried back (never anything else)."""
    given = QueryDict(raw or "")
    return urlencode([(key, given[key]) for key in FILTERS if given.get(key, "").strip()])


@dataclass
class Row:
    kind: str
    record: object
    since: datetime


@dataclass
class Queue:
    rows: list
    page: int
    has_next: bool
    counts: dict  # kind: (count, more than counted)
    errors: list
    values: dict  # the filters as understood
    sources: list
    metrics: list


def _number(raw: str, name: str, errors: list) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    errors.append(f"{name}: “{raw[:40]}” is not one of the choices.")
    return None


def build(user, params) -> Queue:
    """The queue as `user` sees it, narrowed by `params` (kind, source, metric, page); bounded reads only."""
    errors = []
    kind = params.get("kind", "").strip()
    if kind not in ("", "figure", "claim"):
        errors.append(f"kind: “{kind[:40]}” is neither figure nor claim.")
        kind = ""
    source_id = _number(params.get("source", ""), "source", errors)
    metric_id = _number(params.get("metric", ""), "metric", errors)
    page = _number(params.get("page", ""), "page", errors)
    page = 1 if page is None else page
    if not 1 <= page <= MAX_PAGE:
        errors.append(f"page: the queue shows pages 1 to {MAX_PAGE}; narrow it by source or metric.")
        page = 1
    if source_id is not None and not Source.objects.filter(pk=source_id).exists():
        errors.append("source: no such source.")
    if metric_id is not None and not Metric.objects.filter(pk=metric_id).exists():
        errors.append("metric: no such metric.")

    figures = awaiting(Figure, user)
    claims = awaiting(Claim, user)
    if source_id is not None:
        figures, claims = figures.filter(source_id=source_id), claims.filter(source_id=source_id)
    if metric_id is not None:
        figures = figures.filter(metric_id=metric_id)
    kinds = {"figure": figures, "claim": claims}
    if metric_id is not None or kind == "figure":
        kinds.pop("claim")  # a claim measures nothing: a metric filter leaves figures only
    if kind == "claim":
        kinds.pop("figure")

    rows, counts, has_next = [], {}, False
    if not errors:
        wanted = PER_PAGE * page + 1
        lists = []
        for name, queryset in kinds.items():
            related = ("source", "metric", "subject") if name == "figure" else ("source", "speaker")
            records = (queryset.select_related(*related).defer("source__text", "source__search_vector",
                                                               "search_vector")
                       .order_by("edited_at", "created_at", "pk")[:wanted])
            lists.append([Row(name, record, record.edited_at or record.created_at) for record in records])
            counted = queryset.order_by()[:COUNT_CAP + 1].count()
            counts[name] = (min(counted, COUNT_CAP), counted > COUNT_CAP)
        ordered = list(merge(*lists, key=lambda row: (row.since, row.kind, row.record.pk)))
        start = PER_PAGE * (page - 1)
        rows, has_next = ordered[start:start + PER_PAGE], len(ordered) > start + PER_PAGE

    waiting_in = (Exists(awaiting(Figure, user).filter(source=OuterRef("pk")))
                  | Exists(awaiting(Claim, user).filter(source=OuterRef("pk"))))
    sources = list(Source.objects.filter(waiting_in).order_by("title").only("pk", "title")[:300])
    metrics = list(Metric.objects.order_by("name").only("pk", "name", "unit")[:300])
    values = {"kind": kind, "source": source_id, "metric": metric_id}
    return Queue(rows, page, has_next, counts, errors, values, sources, metrics)
