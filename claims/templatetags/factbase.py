from django import template
from django.template.defaulttags import querystring
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from claims import dimensions
from claims.charts import comparison_chart
from claims.comparisons import point

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label: str) -> str:
    """A column heading that sorts by it, and reverses the sort when clicked again."""
    current = context["request"].GET.get("sort") or context["request"].GET.get("o") or ""
    target = f"-{key}" if current == key else key
    arrow = " ▲" if current == key else (" ▼" if current == f"-{key}" else "")
    # Django's {% querystring %}, as the templates use it; a new order starts again at page 1.
    return format_html('<a href="{}">{}{}</a>', querystring(context, sort=target, o=None, page=None), label, arrow)


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
def definition(text: str) -> str:
    """Dimensions as a reader reads them: "area: urban; welfare: consumption"."""
    return dimensions.display(text)


@register.filter
def get(mapping, key):
    return mapping.get(key, "")


@register.filter
def period(figure) -> str:
    """A figure's or comparison's period, as every page writes it (factbase.dates)."""
    return figure.period_display
