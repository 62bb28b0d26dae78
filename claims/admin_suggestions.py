"""The curator's workbench on a source: its text with the figures and quotes claims.extraction suggests
highlighted in it, each with a form prefilled from the engine — accept it with one click, accept all checked,
correct then accept, or reject it (remembered). Selecting text starts a new figure or quote from the selection.

/admin/sources/source/<id>/suggestions/ — anyone who may view the source reads it; accepting or rejecting a
figure needs the permission to add figures, a quote the permission to add claims (Curator).
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from claims import suggestions
from claims.models import Claim, Entity, Figure, Metric, Status
from claims.parsing import ParseError, parse_period, parse_value_text
from claims.rules import plain
from claims.suggestions import FigureChoice, QuoteChoice, SuggestionRefused

PAGE_SIZE = 50  # suggestions per page: each carries a form with three autocompletes
WHOLE_TEXT = 200_000  # characters: a longer text is shown around the page's suggestions only
WINDOW_MARGIN = 2_000
ACCEPT_AS = {"unverified": Status.UNVERIFIED, "draft": Status.DRAFT}


class PickedAutocomplete(AutocompleteSelect):
    """The admin's autocomplete, its chosen option labelled from a dictionary the page filled in one query
    (Django's own asks the database once per widget: fifty forms, a hundred and fifty queries)."""

    def __init__(self, field, labels: dict[str, str]):
        super().__init__(field, admin.site)
        self.labels = labels

    def optgroups(self, name, value, attr=None):
        options = [self.create_option(name, "", "", False, 0)]
        for chosen in value:
            if str(chosen) in self.labels:
                options.append(self.create_option(name, str(chosen), self.labels[str(chosen)], True, len(options)))
        return [(None, options, 0)]


class SuggestionForm(forms.Form):
    kind = forms.ChoiceField(choices=[("figure", "figure"), ("quote", "quote")], widget=forms.HiddenInput)
    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    span = forms.CharField(widget=forms.HiddenInput, strip=False)
    reading = forms.CharField(widget=forms.HiddenInput, required=False)
    speaker_as_written = forms.CharField(widget=forms.HiddenInput, required=False)
    engine_qualifier = forms.CharField(widget=forms.HiddenInput, required=False)
    unit = forms.CharField(widget=forms.HiddenInput, required=False)
    checked = forms.BooleanField(required=False, label="check")
    value_text = forms.CharField(required=False, max_length=Figure.VALUE_TEXT_LENGTH, label="value as written")
    metric = forms.ModelChoiceField(Metric.objects.all(), required=False)
    subject = forms.ModelChoiceField(Entity.objects.all(), required=False)
    period = forms.CharField(required=False, max_length=100, help_text="2011, Dec 2011, 2021–2022")
    qualifier = forms.ChoiceField(choices=[("", "as the value text reads"), *Figure.Qualifier.choices],
                                  required=False)
    quote = forms.CharField(required=False, strip=False, max_length=Claim.MAX_QUOTE_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 3}))
    speaker = forms.ModelChoiceField(Entity.objects.all(), required=False)

    def __init__(self, *args, source_text: str, labels: dict, may: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_text = source_text
        for name, model, field in (("metric", Figure, "metric"), ("subject", Figure, "subject"),
                                   ("speaker", Claim, "speaker")):
            self.fields[name].widget = PickedAutocomplete(model._meta.get_field(field), labels[name])
        if not may:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        start, end, span = cleaned.get("start"), cleaned.get("end"), cleaned.get("span")
        if start is None or end is None or span is None:
            raise forms.ValidationError("This suggestion's form is incomplete; reload the page.")
        if not start < end <= len(self.source_text) or self.source_text[start:end] != span:
            raise forms.ValidationError("The source's text has changed since this page was opened; reload it.")
        if cleaned.get("kind") == "figure":
            if not cleaned.get("value_text", "").strip():
                self.add_error("value_text", "Give the value as the source writes it.")
            cleaned["period_parsed"] = None
            if cleaned.get("period", "").strip():
                try:
                    cleaned["period_parsed"] = parse_period(cleaned["period"])
                except ParseError as error:
                    self.add_error("period", str(error)[:1].upper() + str(error)[1:] + ".")
        elif not cleaned.get("quote", "").strip():
            self.add_error("quote", "Give the quote as the source writes it.")
        return cleaned

    @property
    def kind_value(self) -> str:
        return self["kind"].value()

    @property
    def span_value(self) -> tuple[int, int]:
        return int(self["start"].value()), int(self["end"].value())


class SuggestionsMixin:
    """Adds the suggestions page to the sources' admin."""

    def get_urls(self):
        return [
            path("<path:object_id>/suggestions/", self.admin_site.admin_view(self.suggestions_view),
                 name=f"{self.opts.app_label}_{self.opts.model_name}_suggestions"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "suggestions_link"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        name, options = fieldsets[0]
        return [(name, {**options, "fields": ["suggestions_link", *options["fields"]]}), *fieldsets[1:]]

    @admin.display(description="suggestions")
    def suggestions_link(self, source):
        if not source.pk:
            return "—"
        return format_html('<a href="{}" id="suggestions-link">Figures and quotes suggested from its text</a>',
                           reverse("admin:sources_source_suggestions", args=[source.pk]))

    # ----------------------------------------------------------------------------------------- the page

    def suggestions_view(self, request, object_id):
        source = self.get_object(request, unquote(object_id))
        if source is None:
            raise Http404("No such source.")
        if not self.has_view_permission(request, source):
            raise PermissionDenied
        may = {"figure": request.user.has_perm("claims.add_figure"),
               "quote": request.user.has_perm("claims.add_claim")}
        page = _page_number(request.GET.get("page"))
        if request.method == "POST":
            if not any(may.values()):
                raise PermissionDenied
            response = self.suggestions_post(request, source, may, page)
            if response is not None:
                return response
            forms_ = list(request._suggestion_forms.values())  # as posted, with their errors
            offered_count = None
        else:
            forms_, offered_count = self.fresh_forms(request, source, may, page)
        return self.suggestions_page(request, source, forms_, may, page, offered_count)

    def fresh_forms(self, request, source, may, page):
        offered = suggestions.offered(source)
        shown = offered[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
        default_period = str(source.published_on.year) if source.published_on else ""
        slugs = {slug for s in shown for slug in (s.subject, s.speaker_entity) if slug}
        metric_slugs = {s.metric for s in shown if s.metric}
        selection = self.selection(request, source, offered)
        if selection is not None:
            slugs |= {slug for slug in (selection.get("subject"), selection.get("speaker")) if slug}
            metric_slugs |= {selection["metric"]} if selection.get("metric") else set()
        entity_pks = dict(Entity.objects.filter(slug__in=slugs).values_list("slug", "pk")) if slugs else {}
        metric_pks = dict(Metric.objects.filter(slug__in=metric_slugs).values_list("slug", "pk")) \
            if metric_slugs else {}
        labels = _labels(entity_pks.values(), metric_pks.values())
        result = []
        if selection is not None:
            initial = {**selection, "subject": entity_pks.get(selection.get("subject")),
                       "speaker": entity_pks.get(selection.get("speaker")),
                       "metric": metric_pks.get(selection.get("metric")), "period": default_period}
            result.append(SuggestionForm(prefix="new", initial=initial, source_text=source.text, labels=labels,
                                         may=may[selection["kind"]]))
        for index, suggestion in enumerate(shown):
            initial = {"kind": suggestion.kind, "start": suggestion.start, "end": suggestion.end,
                       "span": suggestion.text}
            if suggestion.kind == "figure":
                initial.update(value_text=suggestion.text, metric=metric_pks.get(suggestion.metric),
                               subject=entity_pks.get(suggestion.subject), period=default_period,
                               qualifier=suggestion.qualifier or "", engine_qualifier=suggestion.qualifier or "",
                               reading=suggestions.value_reading(suggestion), unit=suggestion.unit or "")
            else:
                initial.update(quote=suggestion.text, speaker=entity_pks.get(suggestion.speaker_entity),
                               speaker_as_written="" if suggestion.speaker_entity else suggestion.speaker or "")
            result.append(SuggestionForm(prefix=f"s{index}", initial=initial, source_text=source.text,
                                         labels=labels, may=may[suggestion.kind]))
        return result, len(offered)

    def selection(self, request, source, offered) -> dict | None:
        """A new figure or quote from the text the curator selected (?select=START-END&kind=figure)."""
        raw = request.GET.get("select", "")
        kind = request.GET.get("kind", "figure")
        start_text, _, end_text = raw.partition("-")
        if kind not in ("figure", "quote") or not (start_text.isdigit() and end_text.isdigit()):
            return None
        start, end = int(start_text), int(end_text)
        text = source.text
        end = min(end, len(text))
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        limit = Figure.VALUE_TEXT_LENGTH if kind == "figure" else Claim.MAX_QUOTE_LENGTH
        if start >= end or end - start > limit:
            messages.warning(request, f"Select between 1 and {limit:,} characters of the text for a new {kind}.")
            return None
        chosen = text[start:end]
        found = {"kind": kind, "start": start, "end": end, "span": chosen, "checked": True}
        near = next((s for s in offered if s.kind == kind and s.start < end and start < s.end), None)
        if kind == "figure":
            found["value_text"] = chosen
            try:
                parsed = parse_value_text(chosen)
                found["reading"] = _reading(parsed)
                found["unit"] = parsed.unit or ""
            except ParseError as error:
                found["reading"] = f"not read as a number: {error}"
            if near is not None:
                found.update(metric=near.metric, subject=near.subject)
        else:
            found["quote"] = chosen
            if near is not None:
                found["speaker"] = near.speaker_entity
        return found

    def bound_forms(self, request, source, may):
        """The page's forms as posted (the curator's corrections kept), to show again with their errors."""
        data = request.POST
        prefixes = [f"s{index}" for index in range(min(_int(data.get("form_count")), PAGE_SIZE))]
        if "new-kind" in data:
            prefixes.insert(0, "new")
        entity_pks, metric_pks = set(), set()
        for prefix in prefixes:
            entity_pks |= {value for name in ("subject", "speaker") if (value := data.get(f"{prefix}-{name}", ""))
                           .isdigit()}
            if (value := data.get(f"{prefix}-metric", "")).isdigit():
                metric_pks.add(value)
        labels = _labels(entity_pks, metric_pks)
        return [SuggestionForm(data, prefix=prefix, source_text=source.text, labels=labels,
                               may=may.get(data.get(f"{prefix}-kind"), False)) for prefix in prefixes]

    def suggestions_post(self, request, source, may, page):
        """Accept one, accept the checked ones, or reject one; a redirect when done, None to show errors."""
        forms_ = {form.prefix: form for form in self.bound_forms(request, source, may)}
        status = ACCEPT_AS.get(request.POST.get("accept_as"), Status.UNVERIFIED)
        default_period = request.POST.get("default_period", "").strip()[:100]
        query = {key: value for key, value in (("page", page if page > 1 else ""), ("period", default_period)) if value}
        here = request.path + (f"?{urlencode(query)}" if query else "")
        request._suggestion_forms = forms_
        if "reject" in request.POST or "accept" in request.POST:
            action = "reject" if "reject" in request.POST else "accept"
            form = forms_.get(request.POST[action])
            if form is None:
                messages.error(request, "That suggestion is not on this page any more; reload it.")
                return HttpResponseRedirect(here)
            if not may.get(form.kind_value):
                raise PermissionDenied
            if not form.is_valid():
                return None
            if action == "reject":
                data = form.cleaned_data
                suggestions.reject(source, data["kind"], data["start"], data["end"], data["span"], request.user)
                messages.success(request, format_html("Rejected “{}”: it will not be offered again.",
                                                      _short(data["span"])))
                return HttpResponseRedirect(here)
            try:
                record = self.accept(source, form, status, request.user, default_period,
                                     check_span=form.prefix != "new")
            except SuggestionRefused as refusal:
                _add_errors(form, refusal)
                return None
            messages.success(request, _accepted_message(record))
            return HttpResponseRedirect(here)
        if "accept_checked" in request.POST:
            checked = [form for form in forms_.values() if form.is_valid() and form.cleaned_data["checked"]]
            if not checked:
                messages.warning(request, "No suggestion is checked: nothing was accepted.")
                return None if any(form.errors for form in forms_.values()) else HttpResponseRedirect(here)
            if any(not may.get(form.kind_value) for form in checked):
                raise PermissionDenied
            records, refused = [], False
            with transaction.atomic():
                for form in checked:
                    try:
                        records.append(self.accept(source, form, status, request.user, default_period,
                                                   check_span=form.prefix != "new"))
                    except SuggestionRefused as refusal:
                        _add_errors(form, refusal)
                        refused = True
                if refused:
                    transaction.set_rollback(True)  # all checked or none: fix the ones marked, then again
            if refused:
                messages.error(request, "Nothing was accepted: the suggestions marked below need a correction "
                                        "first.")
                return None
            messages.success(request, f"Accepted {len(records)} suggestions.")
            return HttpResponseRedirect(here)
        messages.error(request, "Choose accept, accept all checked, or reject.")
        return HttpResponseRedirect(here)

    @staticmethod
    def accept(source, form, status, user, default_period: str, *, check_span: bool):
        data = form.cleaned_data
        if data["kind"] == "figure":
            period = data.get("period_parsed")
            if period is None and default_period:
                try:
                    period = parse_period(default_period)
                except ParseError as error:
                    raise SuggestionRefused({"period": [f"The period for all, “{_short(default_period, 40)}”, is not "
                                                        f"one: {error}."]}) from None
            engine = data.get("engine_qualifier") or ""
            qualifier = data.get("qualifier") or ""
            # The engine's own qualifier is the value text's reading: the model reads it again from the text.
            chosen = "" if qualifier == engine and data["value_text"] == data["span"] else qualifier
            choice = FigureChoice(data["start"], data["end"], data["value_text"], data.get("metric"),
                                  data.get("subject"), period, qualifier=chosen,
                                  unit=data.get("unit") or None, status=status, check_span=check_span)
            return suggestions.accept_figure(source, choice, user)
        choice = QuoteChoice(data["start"], data["end"], data["quote"], data.get("speaker"), status=status,
                             check_span=check_span)
        return suggestions.accept_quote(source, choice, user)

    def suggestions_page(self, request, source, forms_, may, page, offered_count):
        figures = list(source.figures.filter(anchor_start__isnull=False).values_list("pk", "anchor_start",
                                                                                       "anchor_end"))
        claims = list(source.claims.filter(anchor_start__isnull=False).values_list("pk", "anchor_start",
                                                                                     "anchor_end"))
        spans = [(form.prefix, form.kind_value, *form.span_value) for form in forms_ if _has_span(form)]
        text_html, window = _highlighted(source.text, spans, figures, claims)
        media = self.media + forms.Media(js=["factbase-suggestions.js"], css={"all": ["factbase-admin.css"]})
        for form in forms_:
            media += form.media
        pages = max(1, -(-offered_count // PAGE_SIZE)) if offered_count is not None else None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Suggestions: {source}",
            "opts": self.opts,
            "original": source,
            "forms": forms_,
            "form_count": sum(1 for form in forms_ if form.prefix != "new"),
            "text_html": text_html,
            "window": window,
            "text_length": len(source.text),
            "may_accept": any(may.values()),
            "may": may,
            "media": media,
            "offered_count": offered_count,
            "page": page,
            "pages": pages,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if pages and page < pages else None,
            "accepted_figures": len(figures),
            "accepted_claims": len(claims),
            "rejected_count": source.rejected_suggestions.count(),
            "accept_as": request.POST.get("accept_as", "unverified"),
            "default_period": request.POST.get("default_period", request.GET.get("period", ""))[:100],
            "change_url": reverse("admin:sources_source_change", args=[source.pk]),
        }
        return TemplateResponse(request, "admin/sources/source/suggestions.html", context)


def _page_number(raw) -> int:
    return max(1, min(_int(raw), 100_000)) if raw else 1


def _int(raw) -> int:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 9 else 0


def _has_span(form) -> bool:
    return all(str(form[name].value() or "").isdigit() for name in ("start", "end"))


def _labels(entity_pks, metric_pks) -> dict[str, dict[str, str]]:
    entities = {str(pk): name for pk, name in Entity.objects.filter(pk__in=list(entity_pks))
                .values_list("pk", "name")} if entity_pks else {}
    metrics = {str(metric.pk): str(metric) for metric in Metric.objects.filter(pk__in=list(metric_pks))} \
        if metric_pks else {}
    return {"metric": metrics, "subject": entities, "speaker": entities}


def _reading(parsed) -> str:
    def shown(number):
        return "" if number is None else plain(number)

    return {
        "exact": lambda: shown(parsed.value), "approximate": lambda: f"≈ {shown(parsed.value)}",
        "more_than": lambda: f"> {shown(parsed.lower)}", "at_least": lambda: f"≥ {shown(parsed.lower)}",
        "less_than": lambda: f"< {shown(parsed.upper)}", "at_most": lambda: f"≤ {shown(parsed.upper)}",
        "range": lambda: f"{shown(parsed.lower)}–{shown(parsed.upper)}",
    }[parsed.qualifier]()


def _add_errors(form, refusal: SuggestionRefused) -> None:
    for field, problems in refusal.errors.items():
        target = field if field in form.fields else None
        if field == "period_start" or field == "period_end":
            target = "period"
        if field == "found_in":
            target = "value_text"
        for problem in problems:
            form.add_error(target if target != NON_FIELD_ERRORS else None, problem)


def _accepted_message(record):
    url = reverse(f"admin:claims_{record._meta.model_name}_change", args=[record.pk])
    if isinstance(record, Figure):
        return format_html('Accepted <a href="{}">figure #{}</a> “{}” ({}, {}).', url, record.pk, record.value_text,
                           record.metric.name, record.subject)
    return format_html('Accepted <a href="{}">claim #{}</a> “{}”.', url, record.pk, _short(record.quote))


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _highlighted(text: str, spans, figures, claims):
    """The text (or, when long, the part around the page's suggestions) as HTML: every piece a span that knows
    its offset in the source (data-start, for selections), marked with the suggestions and records covering it."""
    if len(text) <= WHOLE_TEXT or not spans:
        low, high = 0, min(len(text), WHOLE_TEXT)
    else:
        low = max(0, min(start for _, _, start, _ in spans) - WINDOW_MARGIN)
        high = min(len(text), max(end for _, _, _, end in spans) + WINDOW_MARGIN)
    marks = [(start, end, f"sg-{kind}", prefix) for prefix, kind, start, end in spans]
    marks += [(start, end, "accepted-figure", f"figure-{pk}") for pk, start, end in figures]
    marks += [(start, end, "accepted-quote", f"claim-{pk}") for pk, start, end in claims]
    marks = [(max(start, low), min(end, high), css, name) for start, end, css, name in marks
             if start < high and end > low]
    cuts = sorted({low, high, *(start for start, *_ in marks), *(end for _, end, *_ in marks)})
    opening: dict[int, list] = {}
    for mark in marks:
        opening.setdefault(mark[0], []).append(mark)
    active: list = []
    pieces = []
    for left, right in zip(cuts, cuts[1:], strict=False):
        active = [mark for mark in active if mark[1] > left] + opening.get(left, [])
        chunk = escape(text[left:right])
        if not active:
            pieces.append(f'<span data-start="{left}">{chunk}</span>')
            continue
        classes = " ".join(sorted({mark[2] for mark in active}))
        names = " ".join(mark[3] for mark in active)
        pieces.append(f'<span data-start="{left}" class="{classes}" data-for="{names}">{chunk}</span>')
    return mark_safe("".join(pieces)), (low, high)  # noqa: S308 - every piece of text escaped above
