"""What every curated model's admin shares: no lost edits, a revert held to the rules of a change,
and deletion for superusers only.

- Forms carry the version they were read at; a save from a stale form is refused with what the
  other person changed (from history), the curator's input kept in the form. The row is locked
  while a save is checked (PostgreSQL; SQLite runs one writing transaction at a time).
- django-simple-history's revert view lets anyone who may *view* a record post the old version,
  with every field of it — verdicts included. Here a revert needs change permission on the
  record, and it is an ordinary edit: the old values of the form's fields, applied to the record
  as it is now, through the same form and the same rules.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, router, transaction
from django.dispatch import Signal
from django.http import Http404, HttpResponseRedirect
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import bulk_update_with_history

from factbase.filters import MAX_SEARCH_LENGTH
from factbase.versioning import EditConflict, Versioned

# Sent after a bulk publish or withdraw (bulk writes send no post_save): whatever derives from visibility —
# the comparisons — brings itself up to date.
status_changed_in_bulk = Signal()


class VersionedForm(forms.ModelForm):
    version_seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["version_seen"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or self.instance._state.adding:
            return cleaned
        seen = cleaned.get("version_seen")
        if seen != self.instance.version:
            # Carry the current version, so saving again (after reading what changed) is a deliberate choice.
            data = self.data.copy()
            data[self.add_prefix("version_seen")] = self.instance.version
            self.data = data
            raise ValidationError(conflict_message(self.instance, seen), code="edit_conflict")
        return cleaned


def conflict_message(instance, seen: int | None):
    """Who changed what since version `seen`, from history."""
    noun = instance._meta.verbose_name
    if seen is None:
        return f"This form does not say which version of the {noun} it was opened on; reload the page and edit again."
    records = list(instance.history.filter(version__gt=seen).order_by("history_date", "history_id")
                   .select_related("history_user"))
    lines = []
    for record in records:
        previous = record.prev_record
        changes = record.diff_against(previous).changes if previous is not None else []
        shown = [change for change in changes if change.field not in ("version", "edited_at", "edited_by")]
        what = "; ".join(f"{change.field}: “{_short(change.old)}” → “{_short(change.new)}”" for change in shown)
        lines.append((record.history_user or "someone", record.history_date.strftime("%Y-%m-%d %H:%M:%S"),
                      what or "saved it"))
    return format_html(
        "Someone else saved this {} while you were editing it, and your changes were not saved (they are still "
        "in the form). Their changes:<ul>{}</ul>Compare them with yours, then save again to keep yours.",
        noun, format_html_join("", "<li>{} at {}: {}</li>", lines),
    )


def _short(value, length: int = 80) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= length else text[: length - 1] + "…"


class BoundedSearchMixin:
    """A changelist refuses what no database should be asked: a search past MAX_SEARCH_LENGTH characters (SQLite
    refuses a LIKE pattern past 50,000 bytes) or with a NUL (PostgreSQL refuses it) gets a message and no rows;
    a filter value with a NUL or a whole number past 64 bits (`?pk__in=99999999999999999999`, which Django passes
    to the database as it is) is a 400, as an unknown filter is."""

    def lookup_allowed(self, lookup, value, request):
        values = value if isinstance(value, list | tuple) else str(value).split(",")
        if any("\x00" in item or _past_64_bits(item) for item in values):
            return False
        return super().lookup_allowed(lookup, value, request)

    def refuse_search(self, request, queryset, search_term):
        """(no rows, False) with a message for a search that is not run; None for one that may be."""
        if len(search_term) > MAX_SEARCH_LENGTH or "\x00" in search_term:
            messages.error(request, f"Searches take at most {MAX_SEARCH_LENGTH} characters and no NUL characters; "
                                    f"this one has {len(search_term):,} characters. Nothing was searched.")
            return queryset.none(), False
        return None

    def get_search_results(self, request, queryset, search_term):
        return self.refuse_search(request, queryset, search_term) or super().get_search_results(
            request, queryset, search_term)


def _past_64_bits(text: str) -> bool:
    digits = text.strip().removeprefix("-").removeprefix("+")
    return digits.isascii() and digits.isdigit() and (len(digits) > 19 or int(digits) > 2**63 - 1)


def bound_every_changelist(site) -> None:
    """Give every ModelAdmin on the site, Django's and other apps' too, BoundedSearchMixin's checks."""
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, BoundedSearchMixin):
            site.unregister(model)
            site.register(model, type(type(model_admin).__name__, (BoundedSearchMixin, type(model_admin)), {}))


class CuratedAdmin(BoundedSearchMixin, SimpleHistoryAdmin):
    form = VersionedForm
    superuser_deletes = False  # sources, claims and figures: everyone else withdraws them

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.versioned = issubclass(model, Versioned)
        if not self.versioned and self.form is VersionedForm:
            self.form = forms.ModelForm

    def has_delete_permission(self, request, obj=None):
        if self.superuser_deletes:
            return request.user.is_active and request.user.is_superuser
        return super().has_delete_permission(request, obj)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if not self.versioned or "version_seen" in fields else [*fields, "version_seen"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.versioned or any("version_seen" in _flatten(options.get("fields", ())) for _, options in fieldsets):
            return fieldsets
        name, options = fieldsets[0]
        return [(name, {**options, "fields": [*options.get("fields", ()), "version_seen"]}), *fieldsets[1:]]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST" and connection.features.has_select_for_update \
                and transaction.get_connection().in_atomic_block:
            # Hold the row while this save is checked and written: a second save waits, then sees this one.
            obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        return obj

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Only a save that raced this one past the lock can land here; say so rather than fail.
            messages.error(request, "Someone else saved this record at the same moment; nothing of yours was "
                                    "saved. Reload it, then make your change again.")
            return HttpResponseRedirect(request.path)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        with transaction.atomic(using=router.db_for_write(self.model)):
            current = self.get_object(request, unquote(object_id))
            if current is None:
                raise Http404
            if request.method == "POST" and not self.has_change_permission(request, current):
                raise PermissionDenied
            request._revert_onto = current
            return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        current = getattr(request, "_revert_onto", None)
        if current is None:
            return form_class

        class RevertForm(form_class):
            """The old version's values in the form; saved onto the record as it is now, never the old record."""

            def __init__(self, data=None, files=None, instance=None, **options):
                if data is not None:
                    instance = current
                elif instance is not None:
                    # Shown as the old values, offered as an edit of the record as it is now.
                    for name in ("version", "verdict"):
                        if hasattr(current, name):
                            setattr(instance, name, getattr(current, name))
                super().__init__(data, files, instance=instance, **options)

        return RevertForm


def _flatten(fields) -> list:
    flat = []
    for field in fields:
        flat.extend(field if isinstance(field, list | tuple) else [field])
    return flat


def set_status(modeladmin, request, queryset, change, verb: str) -> None:
    """Publish or withdraw many entries at once, each change recorded in its history; verdicts are kept."""
    model = modeladmin.model
    with transaction.atomic():
        # The rows again, plain and locked: a changelist's queryset may carry annotations FOR UPDATE refuses.
        rows = model.objects.filter(pk__in=queryset.values("pk")).order_by("pk")
        if connection.features.has_select_for_update:
            rows = rows.select_for_update()
        entries = list(rows)
        changed = []
        for entry in entries:
            before = entry.status
            change(entry)
            if entry.status != before:
                entry.version += 1
                changed.append(entry)
        fields = ["status", "version"]
        bulk_update_with_history(changed, model, fields, default_user=request.user,
                                 default_change_reason=f"{verb} from the admin list")
        if changed:
            status_changed_in_bulk.send(sender=model, records=changed)
    names = (model._meta.verbose_name, model._meta.verbose_name_plural)
    message = ngettext("%(verb)s %(count)d %(name)s.", "%(verb)s %(count)d %(names)s.", len(changed)) % {
        "verb": verb, "count": len(changed), "name": names[0], "names": names[1]}
    if skipped := len(entries) - len(changed):
        message += " " + ngettext("%(count)d was left alone: it already had that status.",
                                  "%(count)d were left alone: they already had that status.", skipped) % {
            "count": skipped}
    modeladmin.message_user(request, message)


class StatusActionsMixin:
    actions = ["publish", "withdraw"]

    @admin.action(description="Publish selected (with the verdict they have, or as unverified)",
                  permissions=["change"])
    def publish(self, request, queryset):
        set_status(self, request, queryset, lambda entry: entry.publish(), "Published")

    @admin.action(description="Withdraw selected (hide from the public pages)", permissions=["change"])
    def withdraw(self, request, queryset):
        set_status(self, request, queryset, lambda entry: entry.withdraw(), "Withdrew")
