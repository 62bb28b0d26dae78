"""Admin search that puts the name you typed first: "Kazakhstan" before "Communist Party of Kazakhstan".

Django's admin search finds the same rows as before (every word in one of `search_fields`); on top of that,
ModelAdmins with this mixin order what they find by how well a name matches the whole term — the name or an
alias equal to it (case-insensitive), then starting with it, then containing it — in the one query the
autocomplete pages with LIMIT. Works alike on SQLite and PostgreSQL (SQLite folds the case of ASCII letters only).
"""

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

MAX_TERM_LENGTH = 200  # longer than any name: nothing to find, and no query built from it


class RankedSearchMixin:
    # Names matched against the whole term, in the model's own fields or one reverse relation ("aliases__name").
    ranked_fields: tuple[str, ...] = ("name",)

    def get_search_results(self, request, queryset, search_term):
        term = " ".join(search_term.split())
        if not term:
            return super().get_search_results(request, queryset, search_term)
        if len(term) > MAX_TERM_LENGTH:
            return queryset.none(), False
        found, _ = super().get_search_results(request, queryset, search_term)
        # The rows as a subquery: a search through a relation (aliases) may repeat a row, and DISTINCT would
        # fight the ordering below.
        queryset = queryset.filter(pk__in=found.values("pk")).annotate(search_rank=Case(
            When(self._any_match("iexact", term), then=Value(0)),
            When(self._any_match("istartswith", term), then=Value(1)),
            default=Value(2), output_field=IntegerField(),
        ))
        ordering = [field for field in (self.get_ordering(request) or self.model._meta.ordering) if field != "pk"]
        return queryset.order_by("search_rank", *ordering, "pk"), False

    def _any_match(self, lookup: str, term: str) -> Q:
        condition = Q()
        for path in self.ranked_fields:
            condition |= self._match(path, lookup, term)
        return condition

    def _match(self, path: str, lookup: str, term: str):
        relation, _, rest = path.partition("__")
        field = self.model._meta.get_field(relation)
        if not rest or not field.one_to_many:
            return Q(**{f"{path}__{lookup}": term})
        # A reverse relation: EXISTS, so that one row with two matching aliases stays one row.
        related = field.related_model._default_manager.filter(
            **{field.field.name: OuterRef("pk"), f"{rest}__{lookup}": term})
        return Q(Exists(related))
