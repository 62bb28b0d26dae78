"""Cursor pagination that holds while rows are added: each page starts strictly after the last row of the page
before it, found by the values of every column the list is sorted by (keyset, or "seek", pagination).

DRF's own CursorPagination places its cursor by the first sort column only, plus an offset among rows that share
its value, so a row added with that value shifts the rest by one; and it cannot sort by an expression (figures sort
by Coalesce(value, lower, upper)). Here the cursor carries the whole sort key, the id last, so a page never repeats
or skips a row that was there when the walk began, whatever is added meanwhile; and no page reads past an OFFSET.

The sort is the list's own (the FilterSet's `sort`), kept exactly as the public page applies it, NULLs where the
database puts them: PostgreSQL sorts NULL above every value, SQLite below.
"""

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.db.models import F, Q
from django.db.models.expressions import OrderBy
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_CURSOR_LENGTH = 2000  # a cursor holds a handful of values; anything longer is refused before it is decoded
# Where a page starts: strictly after or before a row's position, or from or until it (the row included: the way
# back from an empty page past either end).
AFTER, BEFORE, FROM, UNTIL = "after", "before", "from", "until"
FORWARD, INCLUSIVE = {AFTER, FROM}, {FROM, UNTIL}


@dataclass(frozen=True)
class Key:
    """One column of the sort: its alias in the query, its expression, and where it puts NULL."""

    alias: str
    expression: object
    descending: bool
    nulls_high: bool  # NULL sorts as if above every value
    nullable: bool


def sort_keys(queryset) -> list[Key]:
    """The queryset's ordering as keys, the primary key last (added when the ordering lacks it)."""
    ordering = list(queryset.query.order_by)
    vendor_nulls_high = connections[queryset.db].vendor == "postgresql"
    keys, has_pk = [], False
    for index, item in enumerate([*ordering, "pk"]):
        if index == len(ordering) and has_pk:
            break
        order = item if isinstance(item, OrderBy) else (
            OrderBy(F(item.lstrip("-")), descending=item.startswith("-")) if isinstance(item, str) else item.asc())
        expression = order.expression
        if isinstance(expression, F) and expression.name in ("pk", queryset.model._meta.pk.name):
            has_pk = True
        nulls_high = vendor_nulls_high
        if order.nulls_first or order.nulls_last:  # explicit: first in a descending list means highest
            nulls_high = bool(order.nulls_first) == order.descending
        keys.append(Key(f"cursor_key_{index}", expression, order.descending, nulls_high,
                        _nullable(queryset.model, expression)))
    return keys


def _nullable(model, expression) -> bool:
    """Whether the column can be NULL: a nullable field, or any nullable link on the way to it. Expressions other
    than plain columns count as nullable."""
    if not isinstance(expression, F):
        return True
    for part in expression.name.split("__"):
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return True
        if field.null:
            return True
        if field.is_relation:
            model = field.related_model
    return False


def beyond(keys: list[Key], position: list, forward: bool, inclusive: bool = False) -> Q | None:
    """Rows after the position in the list's order (forward), or before it, the position's own row too when
    inclusive; None when there are none."""
    branches, equal = [], Q()
    for key, value in zip(keys, position, strict=True):
        step = _greater(key, value) if key.descending != forward else _smaller(key, value)
        if step is not None:
            branches.append(equal & step)
        equal &= Q(**{f"{key.alias}__isnull": True}) if value is None else Q(**{key.alias: value})
    if inclusive:
        branches.append(equal)
    if not branches:
        return None
    condition = reduce(or_, branches)
    # The same bound on the leading column as a plain conjunct, so the database can seek its index to it.
    first, value = keys[0], position[0]
    rising = first.descending != forward
    if value is not None and (not first.nullable or first.nulls_high != rising):
        condition &= Q(**{f"{first.alias}__{'gte' if rising else 'lte'}": value})
    return condition


def _greater(key: Key, value) -> Q | None:
    if value is None:
        return None if key.nulls_high else Q(**{f"{key.alias}__isnull": False})
    condition = Q(**{f"{key.alias}__gt": value})
    return condition | Q(**{f"{key.alias}__isnull": True}) if key.nulls_high and key.nullable else condition


def _smaller(key: Key, value) -> Q | None:
    if value is None:
        return Q(**{f"{key.alias}__isnull": False}) if key.nulls_high else None
    condition = Q(**{f"{key.alias}__lt": value})
    return condition | Q(**{f"{key.alias}__isnull": True}) if not key.nulls_high and key.nullable else condition


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def encode(direction: str, position: list) -> str:
    text = json.dumps([direction, [_plain(value) for value in position]], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _refuse_constant(name):
    raise ValueError(f"{name} is no position")


INVALID_CURSOR = "This cursor is not one this list gave out (or the list's sort has changed): start again without it."


def decode(cursor: str, keys: list[Key], queryset) -> tuple[str, list]:
    """The direction and position a cursor holds, each value checked against its column; a 400 otherwise."""
    invalid = ValidationError({"cursor": [INVALID_CURSOR]})
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        direction, values = json.loads(text, parse_constant=_refuse_constant)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise invalid from None
    if direction not in (AFTER, BEFORE, FROM, UNTIL) or not isinstance(values, list) or len(values) != len(keys):
        raise invalid
    position = []
    for key, value in zip(keys, values, strict=True):
        if value is None:
            position.append(None)
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float) or (
                isinstance(value, str) and "\x00" in value) or (isinstance(value, float) and not math.isfinite(value)):
            raise invalid
        field = queryset.query.annotations[key.alias].output_field
        try:
            value = field.to_python(value)
        except (DjangoValidationError, ArithmeticError, TypeError, ValueError):
            raise invalid from None
        if not _storable(value):
            raise invalid
        position.append(value)
    return direction, position


def _storable(value) -> bool:
    """Whether the database can compare with it: a bounded decimal (SQLite hands out its own decimals with more
    places than the column's, so the column's validators do not apply), a 64-bit integer."""
    if isinstance(value, Decimal):
        return value.is_finite() and len(value.as_tuple().digits) <= 40 and -40 <= value.adjusted() <= 40
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return True


class CursorPagination(BasePagination):
    """`cursor` and `page_size` (1–200, default 50); the answer is `{next, previous, results}`, with no count."""

    def page_size(self, request) -> int:
        raw = request.query_params.get("page_size")
        if raw is None:
            return DEFAULT_PAGE_SIZE
        if not (len(raw) <= 3 and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE_SIZE):
            raise ValidationError({"page_size": [f"Give a whole number from 1 to {MAX_PAGE_SIZE}."]})
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.page_size(request)
        if not queryset.query.order_by:
            queryset = queryset.order_by("pk")
        keys = sort_keys(queryset)
        if len(keys) > len(queryset.query.order_by):  # the id breaks ties, in the query as in the cursor
            queryset = queryset.order_by(*queryset.query.order_by, "pk")
        queryset = queryset.annotate(**{key.alias: key.expression for key in keys})
        cursor = request.query_params.get("cursor")
        direction, position = (AFTER, None) if cursor is None else decode(cursor, keys, queryset)
        forward = direction in FORWARD
        if position is not None:
            condition = beyond(keys, position, forward, inclusive=direction in INCLUSIVE)
            queryset = queryset.filter(condition) if condition is not None else queryset.none()
        if not forward:
            queryset = queryset.reverse()
        rows = list(queryset[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if not forward:
            rows.reverse()
        self.next_cursor = self.previous_cursor = None
        if rows:
            first = [getattr(rows[0], key.alias) for key in keys]
            last = [getattr(rows[-1], key.alias) for key in keys]
            if more or not forward:
                self.next_cursor = encode(AFTER, last)
            if position is not None and (more or forward):
                self.previous_cursor = encode(BEFORE, first)
        elif position is not None:  # past either end: the way back includes the row the cursor names
            self.next_cursor = None if forward else encode(FROM, position)
            self.previous_cursor = encode(UNTIL, position) if forward else None
        return rows

    def link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), "cursor", cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.link(self.next_cursor), "previous": self.link(self.previous_cursor),
                         "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page, or null on the last one."},
                "previous": {**link, "description": "The page before, or null on the first one."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "cursor", "in": "query", "required": False,
             "description": "Where a page starts: copy it from a `next` or `previous` link; never build one.",
             "schema": {"type": "string", "maxLength": MAX_CURSOR_LENGTH}},
            {"name": "page_size", "in": "query", "required": False,
             "description": f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
        ]
