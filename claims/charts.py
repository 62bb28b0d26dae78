"""Server-rendered SVG for a comparison: one row per figure, its range as a bar,
its stated number as a mark, an arrow where the range is open ("more than 70")."""


from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from claims.comparisons import interval, point

WIDTH, LABEL_WIDTH, ROW, TOP, BOTTOM = 680, 250, 40, 8, 30
PLOT_LEFT, PLOT_RIGHT = LABEL_WIDTH + 14, WIDTH - 18
# A phone's drawing: about as wide as a phone's column, so text drawn at 12–13 units shows at 11–13 px. Each
# figure takes three lines: its source, then whose number it is with the number, then its range.
NARROW_WIDTH, NARROW_ROW, NARROW_LEFT, NARROW_RIGHT = 330, 58, 14, 316
# One colour per source; none of them is a verdict's colour (green, amber, red), which mean the same on every page.
PALETTE = ["#1d4e89", "#6a3d9a", "#00727a", "#4a5568", "#3f3f8f", "#5b7f95", "#0e5e6f", "#7d4e7d"]


def comparison_chart(comparison, figures, narrow: bool = False, headline=None) -> SafeString:
    """The comparison drawn as SVG, wide (labels beside the bars) or narrow (labels above them). Its title and
    description say in words what it draws; the headline figure, if given, is named as such."""
    figures = sorted(figures, key=lambda f: (point(f.value, f.lower, f.upper), f.pk))
    spans = [(f, interval(f.qualifier, f.value, f.lower, f.upper)) for f in figures]
    finite = [n for _, i in spans for n in (i.low, i.high) if n is not None]
    finite += [point(f.value, f.lower, f.upper) for f in figures]
    low, high = float(min(finite)), float(max(finite))
    pad = (high - low) * 0.12 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    if min(finite) >= 0 > low:
        low = 0.0  # counts and shares do not go below zero
    width, row_height = (NARROW_WIDTH, NARROW_ROW) if narrow else (WIDTH, ROW)
    left, right = (NARROW_LEFT, NARROW_RIGHT) if narrow else (PLOT_LEFT, PLOT_RIGHT)

    def x(number) -> float:
        return left + (float(number) - low) / (high - low) * (right - left)

    colours = {}
    height = TOP + row_height * len(figures) + BOTTOM
    parts = []
    for row, (figure, span) in enumerate(spans):
        colour = colours.setdefault(figure.source_id, PALETTE[len(colours) % len(PALETTE)])
        faded = ' opacity="0.45"' if figure.rank == "deprecated" else ""
        origin = figure.attributed_to.name if figure.attributed_to_id else "own figure"
        lead = headline is not None and figure.pk == headline.pk
        if lead:
            origin = f"{origin} · headline"
        label_class = "chart-label chart-lead" if lead else "chart-label"
        parts.append(format_html('<g{}><title>{}: “{}” ({}), {}</title>', mark_safe(faded), figure.source.title,
                                 figure.value_text, figure.bounds_display, origin))
        if narrow:
            top = TOP + row_height * row
            y = top + 46
            parts.append(format_html(
                '<text x="{}" y="{}" class="{}">{}</text>'
                '<text x="{}" y="{}" class="chart-origin">{}</text>'
                '<text x="{}" y="{}" text-anchor="end" class="chart-value">{}</text>',
                NARROW_LEFT - 8, _n(top + 13), label_class, _short(figure.source.title, 38),
                NARROW_LEFT - 8, _n(top + 29), _short(origin, 30),
                NARROW_RIGHT + 8, _n(top + 29), _short(f"“{figure.value_text}”", 16),
            ))
        else:
            y = TOP + row_height * row + row_height / 2
            parts.append(format_html(
                '<text x="{}" y="{}" text-anchor="end" class="{}">{}</text>'
                '<text x="{}" y="{}" text-anchor="end" class="chart-origin">{}</text>',
                LABEL_WIDTH, _n(y - 2), label_class, _short(figure.source.title, 32),
                LABEL_WIDTH, _n(y + 13), _short(origin, 36),
            ))
        start = x(span.low) if span.low is not None else left
        end = x(span.high) if span.high is not None else right
        if end - start >= 1:
            parts.append(format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="6" '
                'stroke-linecap="butt" opacity="0.35"/>', _n(start), _n(end), _n(y), _n(y), colour,
            ))
        if span.high is None:
            parts.append(format_html(
                '<path d="M{},{} l-9,-6 v12 z" fill="{}"><title>no upper end</title></path>',
                _n(right + 8), _n(y), colour,
            ))
        if span.low is None:
            parts.append(format_html(
                '<path d="M{},{} l9,-6 v12 z" fill="{}"><title>no lower end</title></path>',
                _n(left - 8), _n(y), colour,
            ))
        mark = x(point(figure.value, figure.lower, figure.upper))
        if figure.value is not None:
            parts.append(format_html('<circle cx="{}" cy="{}" r="6" fill="{}"/>', _n(mark), _n(y), colour))
        else:  # a bound only: a bar at the bound
            parts.append(format_html(
                '<rect x="{}" y="{}" width="4" height="16" fill="{}"/>', _n(mark - 2), _n(y - 8), colour,
            ))
        if not narrow:
            parts.append(format_html(
                '<text x="{}" y="{}" class="chart-value" text-anchor="middle">{}</text>',
                _n(min(max(mark, left + 20), right - 20)), _n(y - 10), figure.bounds_display,
            ))
        parts.append(mark_safe("</g>"))
    axis_y = TOP + row_height * len(figures) + 6
    parts.append(format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-axis"/>', left, right, _n(axis_y), _n(axis_y),
    ))
    ticks = _ticks(low, high)
    if narrow and len(ticks) > 4:
        ticks = ticks[::2]  # room for four labels at most
    for tick in ticks:
        parts.append(format_html(
            '<text x="{}" y="{}" text-anchor="middle" class="chart-tick">{}</text>'
            '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-axis"/>',
            _n(x(tick)), _n(axis_y + 18), _tick_label(tick), _n(x(tick)), _n(x(tick)), _n(axis_y), _n(axis_y + 5),
        ))
    description = "; ".join(
        f"{f.source.title}: “{f.value_text}” ({f.bounds_display})"
        + (", the headline" if headline is not None and f.pk == headline.pk else "") for f in figures)
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        '<title>{}</title><desc>{}</desc>{}</svg>',
        "chart-narrow" if narrow else "chart-wide", width, height, f"{comparison}: {description}", str(comparison),
        description, mark_safe("".join(parts)),
    )


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _n(number: float) -> str:
    return f"{number:.1f}"


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = 10 ** _floor_log10(span / 4)
    for multiple in (1, 2, 5, 10):
        if span / (step * multiple) <= 5:
            step *= multiple
            break
    first = (low // step + 1) * step
    ticks, tick = [], first
    while tick < high:
        ticks.append(round(tick, 10))
        tick += step
    return ticks


def _floor_log10(number: float) -> int:
    exponent = 0
    while number >= 10:
        number, exponent = number / 10, exponent + 1
    while number < 1:
        number, exponent = number * 10, exponent - 1
    return exponent


def _tick_label(tick: float) -> str:
    return f"{tick:,.10g}"
