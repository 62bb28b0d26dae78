"""Comparisons: the figures that measure one metric, with one definition, for one subject and period.

Figures are compared only when they agree on metric, subject, period *and* dimensions
(a Gini of consumption is not compared with a Gini of income). A figure stands for a
range of numbers: an exact "35.8" is what its last written digit allows, [35.75, 35.85]
(rounding is not disagreement); "about 0.421" is that number give or take
APPROXIMATE_TOLERANCE; "more than 70" is [70, ∞); "less than 5" (−∞, 5]; "16–20" is
[16, 20]. Figures *conflict* when the ranges of two different sources do not overlap:
some source's greatest lower end lies above another source's least upper end. One
article setting the official death toll against the activists' is a comparison, but
not a disagreement between sources: it conflicts only once another source's range
misses one of them. Deprecated figures are drawn but take no part in the verdict.

A comparison needs two or more figures that differ in source or in origin: one
article setting the official Gini coefficient against the opposition's is a
comparison too. Independent origins are counted, not rows: a figure's origin is whom it is
attributed to; an unattributed figure is the reporting outlet's own (or the
source's, when it has no outlet).

The Comparison table is kept up to date by the signal handlers at the bottom
(connected in ClaimsConfig.ready) and rebuilt in bulk by rebuild().
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.signals import post_delete, post_save, pre_save

from claims import dimensions
from claims.models import COMPARISON_KEY
from factbase.dates import display_period

APPROXIMATE_TOLERANCE = Decimal("0.05")  # "about X" means X ± 5 %
KEY_FIELDS = COMPARISON_KEY
_ROW_FIELDS = ("source_id", "source__outlet_id", "attributed_to_id", "qualifier", "value", "lower", "upper", "rank",
               "value_text")


@dataclass(frozen=True)
class Interval:
    low: Decimal | None  # None: no lower end
    high: Decimal | None  # None: no upper end

    def overlaps(self, other: "Interval") -> bool:
        return (self.high is None or other.low is None or self.high >= other.low) and (
            other.high is None or self.low is None or other.high >= self.low
        )


def interval(qualifier: str, value, lower, upper, value_text: str = "") -> Interval:
    """The range of numbers a figure allows."""
    tolerance = Decimal(0)
    if value is not None:
        step = resolution(value_text, value)
        tolerance = step / 2 if step is not None else tolerance
        if qualifier == "approximate":
            tolerance = max(tolerance, abs(value) * APPROXIMATE_TOLERANCE)
    low = lower if lower is not None else (value - tolerance if value is not None else None)
    high = upper if upper is not None else (value + tolerance if value is not None else None)
    return Interval(low, high)


def resolution(value_text: str, value: Decimal) -> Decimal | None:
    """The place of the last digit the source wrote, in the stored value's unit: 0.1 for "35.8", 1 for "16",
    100000000 for "1.3bn", 0.0001 for a Gini written "27.01" percent. None when the text has no digits.

    The last number written is the value's; the power of ten that turns it into the stored value (bn, percent,
    a decimal comma) scales its last digit too. A text whose number is not a power of ten from the value ("1½")
    has no resolution: it is taken as exact.
    """
    written = _last_number(value_text or "")
    if written is None or not value:
        return None
    number, decimals = written
    if not number:
        return None
    scale = abs(value) / number
    if scale.normalize().as_tuple().digits != (1,):
        return None
    return Decimal(1).scaleb(-decimals) * scale


_GROUPING = " '\u00a0\u202f\u2009"


def _last_number(text: str) -> tuple[Decimal, int] | None:
    """The last number in the text and how many decimals it was written with: "more than 35.8%" → (35.8, 1);
    "1,234" and "1 234" → (1234, 0). A comma followed by exactly three digits groups thousands; any other comma,
    and any point, is a decimal mark (the caller's scale absorbs a decimal comma's other reading)."""
    end = len(text)
    while end and not text[end - 1].isdigit():
        end -= 1
    if not end:
        return None
    start = end
    while start and (text[start - 1].isdigit()
                     or (text[start - 1] in ".," + _GROUPING and start > 1 and text[start - 2].isdigit())):
        start -= 1
    token = "".join(c for c in text[start:end] if c not in _GROUPING)
    mark = next((i for i in range(len(token) - 1, -1, -1)
                 if token[i] in ".," and not (token[i] == "," and len(token) - i - 1 == 3)), None)
    whole, fraction = (token, "") if mark is None else (token[:mark], token[mark + 1:])
    whole = "".join(c for c in whole if c.isdigit())
    try:
        return Decimal(f"{whole or 0}.{fraction or 0}"), len(fraction)
    except ArithmeticError:
        return None


def point(value, lower, upper) -> Decimal:
    """The number a figure states: its value, else the bound it gives."""
    return value if value is not None else (lower if lower is not None else upper)


def summarise(rows: list[dict]) -> dict | None:
    """The comparison fields for one group's figure rows (_ROW_FIELDS), or None when it is no comparison."""
    origins = {
        ("entity", r["attributed_to_id"]) if r["attributed_to_id"] else
        ("outlet", r["source__outlet_id"]) if r["source__outlet_id"] else ("source", r["source_id"])
        for r in rows
    }
    sources = {row["source_id"] for row in rows}
    if len(rows) < 2 or (len(sources) < 2 and len(origins) < 2):
        return None
    counted = [row for row in rows if row["rank"] != "deprecated"] or rows
    points = [point(r["value"], r["lower"], r["upper"]) for r in counted]
    gap = widest_gap_between_sources(
        (r["source_id"], interval(r["qualifier"], r["value"], r["lower"], r["upper"], r["value_text"]))
        for r in counted)
    conflicting = gap is not None
    lowest, highest = min(points), max(points)
    if conflicting:
        greatest_low, least_high = gap
        scale = max(abs(greatest_low), abs(least_high)) or Decimal(1)
        disagreement = 1 + float((greatest_low - least_high) / scale)
    else:
        scale = max(abs(lowest), abs(highest)) or Decimal(1)
        disagreement = float((highest - lowest) / scale) / 2
    return {
        "figure_count": len(rows), "source_count": len(sources),
        "origin_count": len(origins), "lowest": lowest, "highest": highest,
        "conflicting": conflicting, "disagreement": disagreement,
    }


def widest_gap_between_sources(spans: Iterable[tuple]) -> tuple[Decimal, Decimal] | None:
    """Given (source, Interval) pairs, the widest gap between two *different* sources' ranges as (the one's
    lower end, the other's upper end, the first above the second), or None when every source's range meets
    every other's. Two figures of one source never conflict with each other: that is the source's own account
    of a dispute, not a disagreement between sources."""
    lows, highs = {}, {}  # per source: its greatest lower end and its least upper end
    for source, span in spans:
        if span.low is not None and (source not in lows or span.low > lows[source]):
            lows[source] = span.low
        if span.high is not None and (source not in highs or span.high < highs[source]):
            highs[source] = span.high
    # The two greatest lower ends and the two least upper ends suffice: the best pair uses one of each.
    top_lows = sorted(lows.items(), key=lambda item: item[1], reverse=True)[:2]
    bottom_highs = sorted(highs.items(), key=lambda item: item[1])[:2]
    best = None
    for low_source, low in top_lows:
        for high_source, high in bottom_highs:
            if low_source != high_source and low > high and (best is None or low - high > best[0] - best[1]):
                best = (low, high)
    return best


def refresh(keys: Iterable[tuple]) -> None:
    """Recompute the comparisons of these keys (values of COMPARISON_KEY)."""
    from claims.models import Comparison, Figure

    keys = {key for key in keys if None not in key}
    if not keys:
        return
    rows = Figure.objects.public().filter(_any_of(keys)).order_by(*KEY_FIELDS).values(*KEY_FIELDS, *_ROW_FIELDS)
    with transaction.atomic():
        seen, conflicting = set(), set()
        for key, group in groupby(rows, key=lambda row: tuple(row[f] for f in KEY_FIELDS)):
            fields = summarise(list(group))
            if fields is not None:
                seen.add(key)
                if fields["conflicting"]:
                    conflicting.add(key)
                Comparison.objects.update_or_create(**dict(zip(KEY_FIELDS, key, strict=True)), defaults=fields)
        if keys - seen:
            Comparison.objects.filter(_any_of(keys - seen)).delete()
        calm = keys - conflicting
        if calm:
            Figure.objects.filter(_any_of(calm), in_conflict=True).update(in_conflict=False)
        if conflicting:
            Figure.objects.filter(_any_of(conflicting), in_conflict=False).update(in_conflict=True)


def _any_of(keys) -> Q:
    condition = Q()
    for key in keys:
        condition |= Q(**dict(zip(KEY_FIELDS, key, strict=True)))
    return condition


def rebuild(batch_size: int = 5000, *, public_figures=None, comparison_model=None, mark_figures=True) -> int:
    """Recompute every comparison and every figure's in_conflict from scratch (after a bulk load);
    returns how many comparisons there are.

    A migration passes its historical models' public figures and Comparison model.
    """
    from claims.models import Comparison, Figure

    Comparison = comparison_model or Comparison  # noqa: N806
    public_figures = Figure.objects.public() if public_figures is None else public_figures
    # A figure alone in its group makes no comparison (summarise): only groups of two or more come to Python.
    # Most figures are alone (after an import of a million rows, all of them may be).
    group_size = Window(Count("pk"), partition_by=[F(field) for field in KEY_FIELDS])
    rows = (public_figures.annotate(group_size=group_size).filter(group_size__gte=2).order_by(*KEY_FIELDS)
            .values_list(*KEY_FIELDS, *_ROW_FIELDS))
    names = KEY_FIELDS + _ROW_FIELDS
    created = 0
    with transaction.atomic():
        Comparison.objects.all().delete()
        batch = []
        for key, group in groupby(rows.iterator(chunk_size=batch_size), key=lambda row: row[:len(KEY_FIELDS)]):
            fields = summarise([dict(zip(names, row, strict=True)) for row in group])
            if fields is not None:
                batch.append(Comparison(**dict(zip(KEY_FIELDS, key, strict=True)), **fields))
            if len(batch) >= batch_size:
                Comparison.objects.bulk_create(batch)
                created, batch = created + len(batch), []
        Comparison.objects.bulk_create(batch)
        if mark_figures:
            mark_conflicting(public_figures.model, Comparison)
    return created + len(batch)


def mark_conflicting(figure_model, comparison_model) -> None:
    """Set in_conflict on exactly the figures whose comparison conflicts."""
    in_conflict = Exists(comparison_model.objects.filter(
        conflicting=True, **{field: OuterRef(field) for field in KEY_FIELDS},
    ))
    figure_model.objects.filter(in_conflict=True).exclude(in_conflict).update(in_conflict=False)
    figure_model.objects.filter(in_conflict, in_conflict=False).update(in_conflict=True)


@dataclass
class AcrossDefinitions:
    """Figures of one metric, subject and period that differ in what exactly they measure: shown side by side
    on request, with the differences named — never counted as a disagreement."""

    metric: object
    subject: object
    period_start: object
    period_end: object
    figure_list: list

    @property
    def definitions(self) -> list[str]:
        return sorted({figure.dimensions for figure in self.figure_list})

    @property
    def differences(self) -> list[str]:
        """Each dimension on which the definitions differ, with the values they take: "area: national, urban"."""
        pairs = [dimensions.parse(text) for text in self.definitions]
        keys = sorted({key for pair in pairs for key in pair})
        return [f"{key}: {', '.join(sorted({pair.get(key, '(not said)') for pair in pairs}))}" for key in keys
                if len({pair.get(key) for pair in pairs}) > 1]

    @property
    def period_display(self) -> str:
        return display_period(self.period_start, self.period_end)

    def __str__(self):
        return f"{self.metric.name}, {self.subject}, {self.period_display}, across definitions"


def across_definitions(figures) -> list[AcrossDefinitions]:
    """Group figures by metric, subject and period only, keeping the groups that span two or more definitions.
    The figures must come ordered by metric, subject and period."""
    groups = []
    loose_key = [field for field in KEY_FIELDS if field != "dimensions"]
    for key, group in groupby(figures, key=lambda figure: tuple(getattr(figure, f) for f in loose_key)):
        group = list(group)
        if len({figure.dimensions for figure in group}) > 1:
            groups.append(AcrossDefinitions(group[0].metric, group[0].subject, key[2], key[3], group))
    return groups


def _key(figure) -> tuple:
    return tuple(getattr(figure, field) for field in KEY_FIELDS)


def remember_key(sender, instance, raw=False, **kwargs):
    # A figure moved to another metric, subject or period leaves its old comparison too.
    if instance.pk and not raw:
        instance._comparison_key_before = (
            type(instance).objects.filter(pk=instance.pk).values_list(*KEY_FIELDS).first()
        )


def figure_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh([_key(instance), getattr(instance, "_comparison_key_before", None) or _key(instance)])


def remember_source_status(sender, instance, raw=False, **kwargs):
    if instance.pk and not raw:
        instance._status_before = type(instance).objects.filter(pk=instance.pk).values_list("status", flat=True).first()


def source_changed(sender, instance, raw=False, created=False, **kwargs):
    """Publishing or withdrawing a source changes which of its figures are public; a new title changes nothing."""
    from claims.models import Figure

    if not raw and not created and getattr(instance, "_status_before", instance.status) != instance.status:
        refresh(Figure.objects.filter(source_id=instance.pk).values_list(*KEY_FIELDS).order_by().distinct())


def status_changed_in_bulk(sender, records, **kwargs):
    """Figures or sources published or withdrawn in bulk change which figures are public."""
    from claims.models import Figure
    from sources.models import Source

    if sender is Figure:
        refresh({_key(figure) for figure in records})
    elif sender is Source:
        refresh(Figure.objects.filter(source__in=records).values_list(*KEY_FIELDS).order_by().distinct())


def connect():
    from claims.models import Figure
    from factbase.curation import status_changed_in_bulk as bulk_signal
    from sources.models import Source

    bulk_signal.connect(status_changed_in_bulk, dispatch_uid="comparison-status-in-bulk")
    pre_save.connect(remember_key, sender=Figure, dispatch_uid="comparison-remember-key")
    post_save.connect(figure_changed, sender=Figure, dispatch_uid="comparison-figure-saved")
    post_delete.connect(figure_changed, sender=Figure, dispatch_uid="comparison-figure-deleted")
    pre_save.connect(remember_source_status, sender=Source, dispatch_uid="comparison-source-status")
    post_save.connect(source_changed, sender=Source, dispatch_uid="comparison-source-saved")


# The headline: which figure of a comparison leads. The reader chooses the rule (`headline=` on /compare/); every
# rule passes over deprecated figures and those reviewed false or misleading while any other remains, and breaks
# ties by the preferred-rank order and then by the figure's id, so the same figures always give the same headline.
HEADLINE_RULES = {
    "preferred": "preferred rank",
    "conservative": "most conservative",
    "official": "official origin",
    "latest": "latest source",
}
DEFAULT_HEADLINE = "preferred"
HEADLINE_EXPLAINED = {
    "preferred": "the figure the curators ranked preferred, else a verified one, else the earliest recorded",
    "conservative": "the smallest number any source commits to (“more than 70” commits to 70)",
    "official": "a figure of official origin (a government body’s own number), if there is one",
    "latest": "the figure from the most recently published source",
}
_RANK_ORDER = {"preferred": 0, "normal": 1, "deprecated": 2}
_STATUS_ORDER = {"verified": 0, "unverified": 1, "unverifiable": 1, "disputed": 2, "misleading": 3, "false": 3}


@dataclass(frozen=True)
class HeadlineFacts:
    """What the headline rules read of a figure."""

    pk: int
    rank: str
    status: str
    origin_role: str
    value: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    published_on: object  # the reporting source's publication date, or None

    @classmethod
    def of(cls, figure) -> "HeadlineFacts":
        return cls(figure.pk, figure.rank, figure.status, figure.origin_role, figure.value, figure.lower,
                   figure.upper, figure.source.published_on)


def headline(figures: list[HeadlineFacts], rule: str = DEFAULT_HEADLINE) -> HeadlineFacts | None:
    """The figure that leads a comparison under the rule (a key of HEADLINE_RULES); None for no figures."""
    if rule not in HEADLINE_RULES:
        raise ValueError(f"Unknown headline rule “{rule}”: use one of {', '.join(HEADLINE_RULES)}.")
    if not figures:
        return None
    standing = [f for f in figures if f.rank != "deprecated" and f.status not in ("false", "misleading")] or figures

    def preferred(f):
        return _RANK_ORDER.get(f.rank, 1), _STATUS_ORDER.get(f.status, 1), f.pk

    def rule_key(f):
        if rule == "conservative":
            return (point(f.value, f.lower, f.upper),)
        if rule == "official":
            return (f.origin_role != "official",)
        if rule == "latest":
            return (f.published_on is None, -(f.published_on.toordinal()) if f.published_on else 0)
        return ()

    return min(standing, key=lambda f: (*rule_key(f), *preferred(f)))
