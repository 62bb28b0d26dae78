"""Dimensions: what exactly a figure measures beyond its metric.

A Gini of income or of consumption, per capita or equivalised, urban or national;
a vote share in a national or a European election. Written as `key=value` pairs
joined by `; ` (`welfare=consumption; area=urban`); empty means none. Keys and
values are free text, normalised for case and spacing, and stored sorted by key,
so one definition has one spelling and comparisons can group by it.
"""

import re

MAX_LENGTH = 500
_SPACE = re.compile(r"\s+")


class DimensionError(ValueError):
    pass


def _clean(part: str) -> str:
    return _SPACE.sub(" ", part).strip().lower()


def parse(text: str) -> dict[str, str]:
    """`"Welfare = Consumption;area=urban"` → `{"area": "urban", "welfare": "consumption"}`."""
    text = str(text or "")
    if len(text) > MAX_LENGTH:
        raise DimensionError(f"the dimensions have {len(text):,} characters; at most {MAX_LENGTH} are allowed")
    pairs: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, equals, value = part.partition("=")
        key, value = _clean(key), _clean(value)
        if not equals or not key or not value or "=" in value:
            raise DimensionError(f"“{part.strip()}” is not a key=value pair (e.g. welfare=consumption; area=urban)")
        if key in pairs and pairs[key] != value:
            raise DimensionError(f"“{key}” is given twice ({pairs[key]} and {value}); a figure has one of each")
        pairs[key] = value
    return dict(sorted(pairs.items()))


def format(pairs: dict[str, str]) -> str:  # noqa: A001 - the inverse of parse, as in parsing.format_period
    return "; ".join(f"{key}={value}" for key, value in sorted(pairs.items()))


def display(text: str) -> str:
    """What a reader sees: "area: urban; welfare: consumption" for "area=urban; welfare=consumption"."""
    try:
        return "; ".join(f"{key}: {value}" for key, value in parse(text).items())
    except DimensionError:
        return text


def normalise(text: str) -> str:
    """The one spelling of these dimensions: parse, then format."""
    return format(parse(text))


def differences(first: str, second: str) -> list[str]:
    """How two dimension strings differ, in words: ["area: urban vs national", "scale: per capita vs (none)"]."""
    a, b = parse(first), parse(second)
    return [f"{key}: {a.get(key, '(none)')} vs {b.get(key, '(none)')}"
            for key in sorted(a.keys() | b.keys()) if a.get(key) != b.get(key)]


def expected(text: str) -> dict[str, list[str]]:
    """A metric's expected dimensions, written one per line as `key: usual value, other value`."""
    found: dict[str, list[str]] = {}
    for line in str(text or "").splitlines():
        if not line.strip():
            continue
        key, colon, values = line.partition(":")
        key = _clean(key)
        if not colon or not key or "=" in key or ";" in key:
            raise DimensionError(f"“{line.strip()}” should read `key: value, value` (e.g. area: national, urban)")
        found[key] = [_clean(value) for value in values.split(",") if _clean(value)]
    return found
