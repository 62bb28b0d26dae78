"""Admin forms of claims and figures: what a curator types, read as people write it."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from claims import rules
from claims.models import Claim, Figure, Status
from claims.parsing import MAX_PERIOD_LENGTH, ParseError, parse_period
from factbase.curation import VersionedForm, conflict_message
from factbase.dates import display_period

PERIOD_FIELDS = ("period_start", "period_end", "period_precision")


class ReviewableForm(VersionedForm):
    """Curators choose whether a claim or figure is public; its verdict comes only from reviews, so the one
    published status on offer is the verdict it has (or unverified)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            verdict = self.instance.verdict
            public = rules.public_status(verdict)
            label = (f"Published — {Status(public).label.lower()} (the verdict of its review)" if verdict
                     else "Published — unverified, awaiting review")
            self.fields["status"].choices = [(Status.DRAFT, Status.DRAFT.label), (public, label),
                                             (Status.WITHDRAWN, Status.WITHDRAWN.label)]


class PeriodField(forms.CharField):
    """One box for a period as people write it: "2011", "Dec 2011", "Q3 2020", "16 December 2011",
    "2021–2022". A single day, month or year needs no end. Cleans to a claims.parsing.Period."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_PERIOD_LENGTH)
        kwargs.setdefault("help_text", "As the source writes it: 2011, Dec 2011, Q3 2020, 16 December 2011, "
                                       "2011-12-16, 2021–2022 (an end only for a span).")
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("class", "period-field")

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_period(text)
        except ParseError as error:
            raise ValidationError(str(error)[0].upper() + str(error)[1:] + ".", code="invalid") from None


class FigureForm(ReviewableForm):
    """A figure's period in one text box, shown back in the same words; start, end and precision follow."""

    period = PeriodField(label="Period")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if "period" in self.fields and instance.period_start and instance.period_end:
            self.initial.setdefault("period", display_period(instance.period_start, instance.period_end,
                                                           instance.period_precision))

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period")
        # Unchanged text keeps the stored period as it is, even one the words cannot say exactly.
        if period is not None and "period" in self.changed_data:
            self.instance.period_start, self.instance.period_end = period.start, period.end
            self.instance.period_precision = period.precision
        return cleaned

    def _get_validation_exclusions(self):
        # The period's model fields are set from the one box: let the model check them (order, identity).
        exclusions = super()._get_validation_exclusions()
        if "period" in self.fields and "period" not in self._errors:
            exclusions.difference_update(PERIOD_FIELDS)
        return exclusions


class InlineFigureForm(FigureForm):
    """A figure in the source page's list shows its wording, not its numbers: new wording is read afresh (qualifier,
    value and bounds from the text), as the full form does when they are left empty."""

    def clean(self):
        cleaned = super().clean()
        if "value_text" in self.changed_data:
            instance = self.instance
            instance.value = instance.lower = instance.upper = None
            instance.qualifier = instance._meta.get_field("qualifier").default
        return cleaned


class ReviewForm(forms.ModelForm):
    """A verdict on one claim or figure. Opened on a record ("review this"), it carries the version of the record
    the reviewer read: if someone changes the record (or reviews it) before the verdict is saved, the verdict is
    refused with what changed, as an edit of the record itself would be (factbase.curation)."""

    target_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if (target := self.initial_target()) is not None:
            self.fields["target_version"].initial = target.version

    def initial_target(self):
        for model in (Figure, Claim):
            name = model._meta.model_name
            if name in self.fields and str(self.initial.get(name, "")).isdigit():
                return model.objects.filter(pk=int(self.initial[name])).only("pk", "version").first()
        return None

    def clean(self):
        cleaned = super().clean()
        seen, target = cleaned.get("target_version"), cleaned.get("figure") or cleaned.get("claim")
        if seen is None or target is None or self.instance.pk is not None:
            return cleaned
        current = type(target).objects
        if connection.features.has_select_for_update and transaction.get_connection().in_atomic_block:
            current = current.select_for_update()  # held until the verdict is written: a second change waits
        current = current.get(pk=target.pk)
        if current.version != seen:
            data = self.data.copy()
            data[self.add_prefix("target_version")] = current.version  # saving again is a deliberate choice
            self.data = data
            raise ValidationError(conflict_message(current, seen), code="edit_conflict")
        return cleaned
