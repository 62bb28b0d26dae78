"""A source's suggestions (claims.extraction) turned into anchored figures and claims, or rejected.

    hints_from_database()                      -> the metrics and entities extraction guesses from
    offered(source)                            -> its suggestions not yet accepted or rejected
    accept_figure(source, choice, user)        -> a saved Figure (or SuggestionRefused)
    accept_quote(source, choice, user)         -> a saved Claim (or SuggestionRefused)
    reject(source, kind, start, end, text, user)

Accepting runs the model's own rules (full_clean, claims.rules, claims.anchors) and records history with the
reason "accepted from suggestions". It holds the source's row while it checks that nothing is anchored at the
span yet, so two curators accepting the same suggestion at once make one record; the figure identity
constraint refuses a twin even past that.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from claims import rules
from claims.extraction import EntityHint, MetricHint, Suggestion, extract
from claims.models import Claim, Entity, EntityAlias, Figure, Metric, RejectedSuggestion, Status
from claims.parsing import ParseError, Qualifier, parse_value_text
from sources.models import Source

CHANGE_REASON = "accepted from suggestions"


class SuggestionRefused(Exception):
    """Why a suggestion could not be accepted: field errors for the curator's form, nothing written."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(message for messages in errors.values() for message in messages))


@dataclass
class FigureChoice:
    """What the curator accepts: the engine's suggestion as shown, perhaps corrected."""

    start: int
    end: int
    value_text: str
    metric: Metric | None
    subject: Entity | None
    period: object | None  # claims.parsing.Period
    qualifier: str = ""  # empty: as the value text reads
    unit: str | None = None  # the unit the engine read ("percent", "USD"), for the written unit
    status: str = Status.UNVERIFIED
    check_span: bool = True  # a suggestion's span; a curator's own selection may overlap another figure


@dataclass
class QuoteChoice:
    start: int
    end: int
    quote: str
    speaker: Entity | None
    status: str = Status.UNVERIFIED
    check_span: bool = True


def hints_from_database() -> tuple[list[MetricHint], list[EntityHint]]:
    """The known metrics and entities, for guessing metrics, subjects and speakers (three queries)."""
    metrics = [MetricHint(*row) for row in Metric.objects.values_list("slug", "name", "unit")]
    aliases: dict[int, list[str]] = {}
    for entity_id, name in EntityAlias.objects.values_list("entity_id", "name"):
        aliases.setdefault(entity_id, []).append(name)
    entities = [EntityHint(slug, name, tuple(aliases.get(pk, ())), kind)
                for pk, slug, name, kind in Entity.objects.values_list("pk", "slug", "name", "kind")]
    return metrics, entities


def offered(source: Source, hints: tuple[list[MetricHint], list[EntityHint]] | None = None) -> list[Suggestion]:
    """The source's suggestions, less those rejected and those a figure or claim is already anchored at.

    Linear in the text (claims.extraction), plus three queries for the hints and three for what is taken.
    """
    if not source.text:
        return []
    metrics, entities = hints if hints is not None else hints_from_database()
    language = (source.language or "")[:2]
    suggestions = extract(source.text, language=language if language in ("en", "ru") else None, metrics=metrics,
                          entities=entities)
    rejected = {(kind, start, end, text) for kind, start, end, text in
                source.rejected_suggestions.values_list("kind", "start", "end", "text")}
    taken = {"figure": _anchored_spans(source.figures), "quote": _anchored_spans(source.claims)}
    return [s for s in suggestions if (s.kind, s.start, s.end, s.text) not in rejected
            and not _overlaps(taken[s.kind], s.start, s.end)]


def _anchored_spans(records) -> list[tuple[int, int]]:
    return list(records.filter(anchor_start__isnull=False).values_list("anchor_start", "anchor_end"))


def _overlaps(spans, start: int, end: int) -> bool:
    return any(low < end and start < high for low, high in spans)


def accept_figure(source: Source, choice: FigureChoice, user) -> Figure:
    errors: dict[str, list[str]] = {}
    if choice.metric is None:
        errors["metric"] = ["Pick the metric this number measures: the text gave no clue to it."]
    if choice.subject is None:
        errors["subject"] = ["Pick what it is about (the subject): the text names no entity factbase knows."]
    if choice.period is None:
        errors["period"] = ["Give the period it is for (“2011”, “Dec 2011”, “2021–2022”), here or for all above."]
    if errors:
        raise SuggestionRefused(errors)
    figure = Figure(
        metric=choice.metric, subject=choice.subject, value_text=choice.value_text.strip(),
        period_start=choice.period.start, period_end=choice.period.end, period_precision=choice.period.precision,
        found_in=Figure.FoundIn.TEXT, status=choice.status, anchor_start=choice.start, anchor_end=choice.end,
    )
    if choice.unit and rules.unit_name(choice.unit) != rules.unit_name(choice.metric.unit) and \
            choice.metric.unit_factor(choice.unit) is not None:
        figure.written_unit = choice.unit  # "27.01%" of a Gini coefficient: stored as 0.2701
    if choice.qualifier:
        _qualify(figure, choice.qualifier)
    return _save(source, figure, choice, user)


def _qualify(figure: Figure, qualifier: str) -> None:
    """A qualifier the curator chose over the value text's reading. The model checks it against the text: only
    "about" may be given for a number written plainly ("16" reported as about 16)."""
    try:
        parsed = parse_value_text(figure.value_text)
    except ParseError:
        return  # the model says what is wrong with the value text
    if qualifier == parsed.qualifier:
        return
    figure.qualifier = qualifier
    if qualifier == Qualifier.APPROXIMATE and parsed.value is not None:
        figure.value = parsed.value
    else:
        figure.value, figure.lower, figure.upper = parsed.value, parsed.lower, parsed.upper


def accept_quote(source: Source, choice: QuoteChoice, user) -> Claim:
    claim = Claim(quote=choice.quote.strip(), speaker=choice.speaker, status=choice.status,
                  anchor_start=choice.start, anchor_end=choice.end)
    return _save(source, claim, choice, user)


def _save(source: Source, record, choice, user):
    try:
        with transaction.atomic():
            locked = _lock(source)
            record.source = locked
            if choice.check_span and (twin := _taken(type(record), locked, choice.start, choice.end)):
                who = f" by {twin.created_by}" if twin.created_by_id else ""
                raise SuggestionRefused({NON_FIELD_ERRORS: [
                    f"Already accepted{who}: {record.kind} #{twin.pk} is anchored at this text. Reload the page."]})
            record._history_user = user
            record._change_reason = CHANGE_REASON
            try:
                record.full_clean()
            except ValidationError as error:
                raise SuggestionRefused(_messages(error)) from None
            record.save()
    except IntegrityError:
        # Past the lock only on a database without row locks: the identity constraint caught the twin.
        raise SuggestionRefused({NON_FIELD_ERRORS: [
            f"An identical {record.kind} was saved at the same moment by someone else; nothing of yours was "
            "saved. Reload the page."]}) from None
    return record


def _lock(source: Source) -> Source:
    """The source's row, held to the end of the transaction (PostgreSQL): accepts on one source take turns."""
    rows = Source.objects.filter(pk=source.pk)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.get()


def _taken(model, source: Source, start: int, end: int):
    return model.objects.filter(source=source, anchor_start__lt=end, anchor_end__gt=start).select_related(
        "created_by").first()


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(message) for message in ValidationError(messages).messages]
                for field, messages in error.error_dict.items()}
    return {NON_FIELD_ERRORS: list(error.messages)}


def reject(source: Source, kind: str, start: int, end: int, text: str, user) -> RejectedSuggestion:
    """Remember that the suggestion at start..end is not to be offered again (twice is once)."""
    if source.text[start:end] != text:
        raise SuggestionRefused({NON_FIELD_ERRORS: [
            "The source's text has changed since this page was opened; reload it."]})
    try:
        with transaction.atomic():
            rejection, _ = RejectedSuggestion.objects.update_or_create(
                source=source, kind=kind, start=start, end=end, defaults={"text": text, "rejected_by": user})
    except (IntegrityError, DatabaseError):
        # Two curators rejected it at the same moment: it is rejected.
        rejection = RejectedSuggestion.objects.get(source=source, kind=kind, start=start, end=end)
    return rejection


def value_reading(suggestion: Suggestion) -> str:
    """The engine's reading of a figure, for the curator to check at a glance: "> 70", "≈ 740,000"."""
    def shown(number: Decimal | None) -> str:
        return "" if number is None else rules.plain(number)

    words = {
        "exact": lambda: shown(suggestion.value), "approximate": lambda: f"≈ {shown(suggestion.value)}",
        "more_than": lambda: f"> {shown(suggestion.lower)}", "at_least": lambda: f"≥ {shown(suggestion.lower)}",
        "less_than": lambda: f"< {shown(suggestion.upper)}", "at_most": lambda: f"≤ {shown(suggestion.upper)}",
        "range": lambda: f"{shown(suggestion.lower)}–{shown(suggestion.upper)}",
    }
    reading = words.get(suggestion.qualifier or "", lambda: "")()
    return f"{reading} {suggestion.unit}" if suggestion.unit and reading else reading


__all__ = ["CHANGE_REASON", "FigureChoice", "QuoteChoice", "SuggestionRefused", "accept_figure", "accept_quote",
           "hints_from_database", "offered", "reject"]
