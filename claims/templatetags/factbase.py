from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from claims.charts import comparison_chart
from claims.comparisons import point

register = template.Library()


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """This page's query string with some parameters changed; None removes one. Changing anything but
    the page starts again at page 1, so a permalink never points past its results."""
    params = context["request"].GET.copy()
    params.pop("format", None)
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label: str) -> str:
    """A column heading that sorts by it, and reverses the sort when clicked again."""
    current = context["request"].GET.get("sort") or context["request"].GET.get("o") or ""
    target = f"-{key}" if current == key else key
    arrow = " ▲" if current == key else (" ▼" if current == f"-{key}" else "")
    return format_html('<a href="{}">{}{}</a>', query(context, sort=target, o=None), label, arrow)


@register.simple_tag
def chart(comparison, figures, headline=None, drawing=""):
    """Both drawings of a comparison (the stylesheet shows the narrow one on a phone), or only the `drawing`
    named ("wide" or "narrow")."""
    drawings = [comparison_chart(comparison, figures, narrow=narrow, headline=headline)
                for narrow in (False, True) if drawing in ("", "narrow" if narrow else "wide")]
    return mark_safe("".join(drawings))


@register.simple_tag
def verdict(record) -> str:
    """A claim's or figure's status as a coloured pill, the same colour for the same verdict on every page."""
    return format_html('<span class="verdict verdict-{}">{}</span>', record.status, record.get_status_display())


@register.filter
def first_stated(figures):
    """The figure stating the lowest number, to quote as its source wrote it (never "16 to 70" for "more than
    70")."""
    return min(figures, key=lambda f: (point(f.value, f.lower, f.upper), f.pk), default=None)


@register.filter
def last_stated(figures):
    return max(figures, key=lambda f: (point(f.value, f.lower, f.upper), -f.pk), default=None)


@register.filter
def get(mapping, key):
    return mapping.get(key, "")


@register.filter
def period(figure) -> str:
    """A figure's period at its precision: 2011, 2014–2018, Jan 2022, 20 Nov 2022."""
    start, end = figure.period_start, figure.period_end
    if figure.period_precision == "year":
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    if figure.period_precision == "month":
        first = start.strftime("%b %Y")
        return first if (start.year, start.month) == (end.year, end.month) else f"{first}–{end:%b %Y}"
    first = f"{start.day} {start:%b %Y}"
    return first if start == end else f"{first}–{end.day} {end:%b %Y}"
