"""Server-rendered SVG for a comparison: one row per figure, its range as a bar,
its stated number as a mark, an arrow where the range is open ("more than 70")."""


from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from claims.comparisons import interval, point

WIDTH, LABEL_WIDTH, ROW, TOP, BOTTOM = 680, 250, 38, 8, 30
PLOT_LEFT, PLOT_RIGHT = LABEL_WIDTH + 14, WIDTH - 18
PALETTE = ["#1f5fa8", "#b3401a", "#2e7d32", "#7b3fa0", "#a0670b", "#00727a", "#9c2752", "#4a5568"]


def comparison_chart(comparison, figures) -> SafeString:
    figures = sorted(figures, key=lambda f: (point(f.value, f.lower, f.upper), f.pk))
    spans = [(f, interval(f.qualifier, f.value, f.lower, f.upper)) for f in figures]
    finite = [n for _, i in spans for n in (i.low, i.high) if n is not None]
    finite += [point(f.value, f.lower, f.upper) for f in figures]
    low, high = float(min(finite)), float(max(finite))
    pad = (high - low) * 0.12 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    if min(finite) >= 0 > low:
        low = 0.0  # counts and shares do not go below zero

    def x(number) -> float:
        return PLOT_LEFT + (float(number) - low) / (high - low) * (PLOT_RIGHT - PLOT_LEFT)

    colours = {}
    height = TOP + ROW * len(figures) + BOTTOM
    parts = []
    for row, (figure, span) in enumerate(spans):
        colour = colours.setdefault(figure.source_id, PALETTE[len(colours) % len(PALETTE)])
        y = TOP + ROW * row + ROW / 2
        faded = ' opacity="0.45"' if figure.rank == "deprecated" else ""
        origin = figure.attributed_to.name if figure.attributed_to_id else "own figure"
        parts.append(format_html(
            '<g{}><title>{}: “{}” ({}), {}</title>'
            '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
            '<text x="{}" y="{}" text-anchor="end" class="chart-origin">{}</text>',
            mark_safe(faded), figure.source.title, figure.value_text, figure.bounds_display, origin,
            LABEL_WIDTH, _n(y - 2), _short(figure.source.title, 34), LABEL_WIDTH, _n(y + 12), _short(origin, 38),
        ))
        start = x(span.low) if span.low is not None else PLOT_LEFT
        end = x(span.high) if span.high is not None else PLOT_RIGHT
        if end - start >= 1:
            parts.append(format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="6" '
                'stroke-linecap="butt" opacity="0.35"/>', _n(start), _n(end), _n(y), _n(y), colour,
            ))
        if span.high is None:
            parts.append(format_html(
                '<path d="M{},{} l-9,-6 v12 z" fill="{}"><title>no upper end</title></path>',
                _n(PLOT_RIGHT + 8), _n(y), colour,
            ))
        if span.low is None:
            parts.append(format_html(
                '<path d="M{},{} l9,-6 v12 z" fill="{}"><title>no lower end</title></path>',
                _n(PLOT_LEFT - 8), _n(y), colour,
            ))
        mark = x(point(figure.value, figure.lower, figure.upper))
        if figure.value is not None:
            parts.append(format_html('<circle cx="{}" cy="{}" r="6" fill="{}"/>', _n(mark), _n(y), colour))
        else:  # a bound only: a bar at the bound
            parts.append(format_html(
                '<rect x="{}" y="{}" width="4" height="16" fill="{}"/>', _n(mark - 2), _n(y - 8), colour,
            ))
        parts.append(format_html(
            '<text x="{}" y="{}" class="chart-value" text-anchor="middle">{}</text>',
            _n(min(max(mark, PLOT_LEFT + 20), PLOT_RIGHT - 20)), _n(y - 9), figure.bounds_display,
        ))
        parts.append(mark_safe("</g>"))
    axis_y = TOP + ROW * len(figures) + 6
    parts.append(format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-axis"/>', PLOT_LEFT, PLOT_RIGHT, _n(axis_y), _n(axis_y),
    ))
    for tick in _ticks(low, high):
        parts.append(format_html(
            '<text x="{}" y="{}" text-anchor="middle" class="chart-tick">{}</text>'
            '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-axis"/>',
            _n(x(tick)), _n(axis_y + 18), _tick_label(tick), _n(x(tick)), _n(x(tick)), _n(axis_y), _n(axis_y + 5),
        ))
    description = "; ".join(f"{f.source.title}: {f.value_text} ({f.bounds_display})" for f in figures)
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        '{}</svg>',
        WIDTH, height, f"{comparison}: {description}", mark_safe("".join(parts)),
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
