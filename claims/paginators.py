from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most `cap` rows, so no page costs a count of the whole table.

    Past the cap, `count` stays at the cap and `more` is true: lists then say
    "10,000+" and offer narrower filters or an export (which has every row).
    The count is `SELECT COUNT(*) FROM (… LIMIT cap + 1)`: its cost depends on the cap, not the table.
    """

    cap = 10_000

    @cached_property
    def _capped_count(self) -> int:
        object_list = self.object_list
        if hasattr(object_list, "order_by"):
            object_list = object_list.order_by()
        rows = object_list[: self.cap + 1]
        return rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.cap)

    @property
    def more(self) -> bool:
        """There are more rows than were counted."""
        return self._capped_count > self.cap
