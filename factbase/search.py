"""Search, one way for every model: PostgreSQL full text on a stored, GIN-indexed search vector (websearch
queries, ranking), and on other databases a plain, correct fallback — every word must occur in one of the
fields the model names."""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections, models
from django.db.models import F, Q


def on_postgresql(queryset) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def search_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config="english")


class SearchableQuerySet(models.QuerySet):
    """`search(text)` and `ranked(text)`; the model lists its fallback fields in `search_fields`."""

    search_fields: list[str] = []

    def search(self, text: str):
        if on_postgresql(self):
            return self.filter(search_vector=search_query(text))
        matching = self.model._default_manager.all()
        for word in text.split():
            word = word.strip('"')
            if word and word.lower() not in ("or", "-"):
                condition = Q()
                for field in self.search_fields:
                    condition |= Q(**{f"{field}__icontains": word})
                matching = matching.filter(condition)
        # A subquery, because joins over many-valued relations (aliases) would repeat rows.
        return self.filter(pk__in=matching.values("pk"))

    def ranked(self, text: str):
        """Best match first (PostgreSQL; elsewhere unchanged). Ranking reads every match: bound them first."""
        if not on_postgresql(self):
            return self
        return self.annotate(search_rank=SearchRank(F("search_vector"), search_query(text))).order_by(
            "-search_rank", "-pk")
