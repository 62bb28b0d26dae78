"""A reusable generator of realistic factbase data, for benchmarks.

    from bench import corpus
    reference = corpus.reference_data()            # outlets, sources with text, metrics, subjects, origins
    corpus.create_figures(1_000_000, reference)    # COPY on PostgreSQL, bulk_create elsewhere
    for row in corpus.figure_rows(1000, reference): ...   # dicts with the DESIGN.md spreadsheet columns

Figures come in *topics* (one metric, subject and year) reported by about four
sources each, so comparisons form as they do in real data: most agree within a few
per cent, about one in six has an outlier or an open-ended "more than" that
conflicts. Everything is seeded: the same arguments give the same data.
"""

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PLACES = ["Almaty", "Astana", "Shymkent", "Aktobe", "Karaganda", "Taraz", "Pavlodar", "Oskemen", "Semey", "Atyrau",
          "Kostanay", "Kyzylorda", "Oral", "Petropavl", "Aktau", "Temirtau", "Turkistan", "Kokshetau", "Taldykorgan",
          "Zhanaozen", "Ekibastuz", "Rudny", "Zhezkazgan", "Balkhash", "Satbayev"]
GROUPS = ["oil workers", "miners", "teachers", "nurses", "railway workers", "steel workers", "pensioners",
          "students", "farmers", "bus drivers", "district", "region", "city council", "trade union"]
METRICS = [  # slug, name, unit, low, high, typical low, typical high
    ("death-toll", "Death toll", "people", 0, None, 1, 300),
    ("injured", "Injured", "people", 0, None, 5, 2000),
    ("arrests", "Arrests", "people", 0, None, 10, 10000),
    ("strikers", "Strikers", "people", 0, None, 100, 20000),
    ("gini-coefficient", "Gini coefficient", "coefficient", 0, 1, Decimal("0.25"), Decimal("0.45")),
    ("turnout", "Turnout", "percent", 0, 100, 30, 90),
    ("vote-share", "Vote share", "percent", 0, 100, 1, 80),
    ("unemployment-rate", "Unemployment rate", "percent", 0, 100, 2, 25),
    ("inflation", "Inflation", "percent", -50, None, 2, 30),
    ("average-wage", "Average monthly wage", "tenge", 0, None, 80000, 400000),
    ("trade-unions-liquidated", "Trade unions liquidated", "organisations", 0, None, 5, 700),
    ("people-rehabilitated", "People rehabilitated", "people", 0, None, 100, 400000),
    ("poverty-rate", "Poverty rate", "percent", 0, 100, 3, 40),
    ("emigrants", "Emigrants", "people", 0, None, 1000, 60000),
    ("registered-parties", "Registered political parties", "parties", 0, None, 3, 12),
]
ORIGINS = [("official-statistics", "Official statistics"), ("interior-ministry", "Ministry of Internal Affairs"),
           ("prosecutor-general", "Prosecutor General's Office"), ("opposition-economists", "Opposition economists"),
           ("human-rights-watch", "Human Rights Watch"), ("independent-union", "Independent trade union"),
           ("world-bank", "World Bank"), ("local-activists", "Local activists")]
WORDS = """the government said workers strike protest wages prices union police report official figures rose fell
according to sources region city people killed injured arrested election turnout vote party reform economy
inequality pension budget oil gas industry ministry statement press conference""".split()  # noqa: SIM905
STATUSES = ["unverified"] * 6 + ["verified"] * 3 + ["disputed", "false", "draft"]


@dataclass
class Reference:
    outlets: list[int]
    sources: list[tuple[int, str]]  # (id, slug)
    metrics: list[tuple[int, str, str, Decimal, Decimal]]  # (id, slug, unit, typical low, typical high)
    subjects: list[tuple[int, str]]
    origins: list[tuple[int, str]]


def reference_data(n_sources: int = 2000, n_subjects: int = 3000, seed: int = 1) -> Reference:
    """Create (once) outlets, published sources with a few paragraphs of text, metrics and subjects."""
    from claims.models import Entity, EntityAlias, Metric
    from sources.models import Outlet, Source

    rng = random.Random(seed)
    if not Source.objects.filter(slug="bench-source-0").exists():
        Outlet.objects.bulk_create([Outlet(slug=f"bench-outlet-{i}", name=f"Outlet {i}", kind="newspaper")
                                    for i in range(40)], ignore_conflicts=True)
        outlet_ids = list(Outlet.objects.filter(slug__startswith="bench-outlet-").values_list("id", flat=True))
        sources = []
        for i in range(n_sources):
            text = "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "."
                               for _ in range(rng.randint(3, 8)))
            sources.append(Source(
                slug=f"bench-source-{i}", title=f"{rng.choice(PLACES)}: {' '.join(rng.sample(WORDS, 5))} ({i})",
                outlet_id=rng.choice(outlet_ids) if rng.random() < 0.9 else None, text=text,
                content_hash=Source.hash_text(text), status="published" if rng.random() < 0.97 else "draft",
                published_on=date(rng.randint(2011, 2025), rng.randint(1, 12), rng.randint(1, 28)),
                published_precision="day",
            ))
        Source.objects.bulk_create(sources, batch_size=1000)
        Metric.objects.bulk_create([
            Metric(slug=slug, name=name, unit=unit, min_value=low, max_value=high)
            for slug, name, unit, low, high, *_ in METRICS
        ], ignore_conflicts=True)
        Entity.objects.bulk_create([
            Entity(slug=f"bench-subject-{i}", name=f"{rng.choice(PLACES)} {rng.choice(GROUPS)} {i}", kind="group")
            for i in range(n_subjects)
        ], batch_size=1000)
        Entity.objects.bulk_create([Entity(slug=slug, name=name, kind="organisation") for slug, name in ORIGINS],
                                   ignore_conflicts=True)
        first = Entity.objects.get(slug="bench-subject-0")
        EntityAlias.objects.get_or_create(entity=first, name="Bench subject zero")
    typical = {slug: (low, high) for slug, _, _, _, _, low, high in METRICS}
    return Reference(
        outlets=list(Outlet.objects.filter(slug__startswith="bench-outlet-").values_list("id", flat=True)),
        sources=list(Source.objects.filter(slug__startswith="bench-source-").values_list("id", "slug")),
        metrics=[(pk, slug, unit, *map(Decimal, typical[slug]))
                 for pk, slug, unit in Metric.objects.filter(slug__in=typical).values_list("id", "slug", "unit")],
        subjects=list(Entity.objects.filter(slug__startswith="bench-subject-").values_list("id", "slug")),
        origins=list(Entity.objects.filter(slug__in=[slug for slug, _ in ORIGINS]).values_list("id", "slug")),
    )


def _figures(n: int, reference: Reference, seed: int):
    """Yield (source, metric, subject, origin, year, qualifier, value, lower, upper, value_text, status)."""
    rng = random.Random(seed)
    made = 0
    seen = set()  # figure_identity: one source does not report the same number twice for a topic
    while made < n:
        metric = rng.choice(reference.metrics)
        _, _, unit, low, high = metric
        subject = rng.choice(reference.subjects)
        year = rng.randint(2005, 2025)
        truth = low + (high - low) * Decimal(rng.random())
        places = 3 if high <= 1 else (1 if high <= 100 else 0)
        conflicted = rng.random() < 1 / 6
        for index in range(min(rng.randint(1, 7), n - made)):
            # Most reports repeat one number; some round it differently; a conflicted topic has an outlier.
            number = truth if rng.random() < 0.8 else truth * Decimal(1 + rng.uniform(-0.02, 0.02))
            if conflicted and index == 1:
                number = truth * Decimal(rng.choice([0.3, 2.5]))
            number = round(number, places)
            suffix = "%" if unit == "percent" else ""
            kind = rng.random()
            if kind < 0.7:
                row = ("exact", number, None, None, f"{number:,}{suffix}")
            elif kind < 0.85:
                row = ("approximate", number, None, None, f"about {number:,}{suffix}")
            elif kind < 0.95:
                number = round(number * Decimal("0.9"), places)
                row = ("more_than", None, number, None, f"more than {number:,}{suffix}")
            else:
                number, upper = round(number * Decimal("0.9"), places), round(number * Decimal("1.1"), places)
                row = ("range", None, number, upper, f"{number:,}–{upper:,}{suffix}")
            origin = rng.choice(reference.origins) if rng.random() < 0.6 else None
            source = rng.choice(reference.sources)
            identity = (metric[0], subject[0], year, source[0], row[-1], origin[0] if origin else None)
            if identity in seen:
                continue
            seen.add(identity)
            yield (source, metric, subject, origin, year, *row, rng.choice(STATUSES))
            made += 1


def figure_rows(n: int, reference: Reference, seed: int = 2):
    """n figure rows as dicts with the DESIGN.md spreadsheet columns (no id: new rows)."""
    for source, metric, subject, origin, year, qualifier, value, lower, upper, text, status in _figures(
        n, reference, seed
    ):
        yield {
            "source": source[1], "metric": metric[1], "subject": subject[1], "period_start": str(year),
            "period_end": str(year), "value": value, "lower": lower, "upper": upper, "qualifier": qualifier,
            "unit": metric[2], "value_text": text, "attributed_to": origin[1] if origin else "", "status": status,
            "note": "",
        }


_COLUMNS = ["source_id", "metric_id", "subject_id", "attributed_to_id", "period_start", "period_end",
            "period_precision", "qualifier", "value", "lower", "upper", "value_text", "origin_role", "rank",
            "rank_reason", "status", "note", "anchor_prefix", "anchor_suffix", "created_at", "updated_at",
            "dimensions", "found_in", "verdict", "version", "written_unit"]


def create_figures(n: int, reference: Reference, seed: int = 2, batch_size: int = 50_000) -> None:
    """Insert n figures fast (COPY on PostgreSQL, bulk_create elsewhere), then rebuild the comparisons.

    The search-vector trigger runs as it would for any write, so the data is what the app sees.
    """
    from django.db import connection
    from django.utils import timezone

    from claims import comparisons
    from claims.rules import VERDICTS

    now = timezone.now()
    # found_in "data": the generated numbers are not in the sources' generated texts; a reviewed status is
    # also the figure's verdict, as a review leaves it.
    rows = (
        (source[0], metric[0], subject[0], origin[0] if origin else None, date(year, 1, 1), date(year, 12, 31),
         "year", qualifier, value, lower, upper, text, "official" if origin else "author", "normal", "", status,
         "", "", "", now, now, "", "data", status if status in VERDICTS else "", 1, "")
        for source, metric, subject, origin, year, qualifier, value, lower, upper, text, status
        in _figures(n, reference, seed)
    )
    _write(rows, batch_size)
    comparisons.rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE claims_figure" if connection.get_autocommit() else "ANALYZE claims_figure")
            cursor.execute("ANALYZE claims_comparison; ANALYZE sources_source")


def _write(rows, batch_size: int = 50_000) -> None:
    """Insert figure rows in _COLUMNS order: COPY on PostgreSQL, bulk_create elsewhere."""
    from django.db import connection

    from claims.models import Figure

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy_sql = f"COPY claims_figure ({', '.join(_COLUMNS)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        batch = []
        for row in rows:
            batch.append(Figure(**dict(zip(_COLUMNS, row, strict=True))))
            if len(batch) >= batch_size:
                Figure.objects.bulk_create(batch)
                batch = []
        Figure.objects.bulk_create(batch)


BIG_SOURCE = "bench-big-source"


def create_big_source(n: int = 10_000) -> str:
    """A published source reporting n figures, each a copy of another source's (so it shares n comparisons
    with its neighbours, as a big statistical report does); its slug. Made once; rebuilds the comparisons."""
    from claims import comparisons
    from claims.models import Figure
    from sources.models import Source

    if Source.objects.filter(slug=BIG_SOURCE).exists():
        return BIG_SOURCE
    text = "A statistical yearbook: " + " ".join(WORDS)
    big = Source.objects.create(slug=BIG_SOURCE, title="Statistical yearbook (bench: many figures)", text=text,
                                content_hash=Source.hash_text(text), status="published", published_on=date(2024, 1, 1),
                                published_precision="day", kind=Source.Kind.REPORT)
    columns = [column for column in _COLUMNS if column != "source_id"]
    seen, rows = set(), []
    for row in Figure.objects.public().order_by("id").values_list(*columns).iterator(chunk_size=5000):
        values = dict(zip(columns, row, strict=True))
        identity = tuple(values[key] for key in ("metric_id", "subject_id", "period_start", "period_end",
                                                 "dimensions", "value_text", "attributed_to_id"))
        if identity not in seen:
            seen.add(identity)
            rows.append(tuple(big.pk if column == "source_id" else values[column] for column in _COLUMNS))
        if len(rows) >= n:
            break
    _write(rows)
    comparisons.rebuild()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE claims_figure; ANALYZE claims_comparison")  # the planner learns of the big source
    return BIG_SOURCE


def empty_figures() -> None:
    from django.db import connection

    from claims.models import Comparison, Figure

    Comparison.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE claims_figure, claims_historicalfigure, claims_review, "
                           "claims_review_evidence CASCADE")
    else:
        Figure.objects.all().delete()
    from sources.models import Source

    Source.objects.filter(slug=BIG_SOURCE).delete()  # made again, from the new figures, by create_big_source
