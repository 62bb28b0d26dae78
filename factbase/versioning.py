"""Optimistic locking for records people edit side by side (sources, claims, figures).

Every save of an existing row names the version it read and fails with EditConflict when the
row has moved on, so a second curator's save can never silently undo the first one's. Forms
turn that into a message naming what the other person changed (see claims.admin).
"""

from django.db import models, router, transaction
from simple_history.models import HistoricalRecords


class EditConflict(Exception):
    """The record was saved by someone else since it was read: this save would silently undo theirs."""

    def __init__(self, instance):
        self.instance = instance
        super().__init__(f"{type(instance).__name__} {instance.pk} was changed by someone else since it was read")


class Versioned(models.Model):
    """Optimistic locking: every save of a row names the version it read, and fails if that is no longer
    the row's version — two curators saving the same figure cannot silently undo each other's edits."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._version_read = None
        if not self._state.adding and self.pk is not None:
            self._version_read = self.version
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        try:
            # A savepoint: a refused save leaves the caller's transaction usable (it may say so and go on).
            with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
                super().save(*args, **kwargs)
        except BaseException:
            if getattr(self, "_version_read", None) is not None:
                self.version = self._version_read  # nothing was written: the instance stays as read
            raise
        finally:
            self._version_read = None

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        read = getattr(self, "_version_read", None)
        if read is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        updated = super()._do_update(base_qs.filter(version=read), using, pk_val, values, update_fields,
                                     forced_update)
        if not updated and base_qs.filter(pk=pk_val).exists():
            raise EditConflict(self)
        return updated


def current_user(instance):
    """Who is making this change: the admin sets `_history_user`; elsewhere the request, if any."""
    user = getattr(instance, "_history_user", None)
    if user is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


