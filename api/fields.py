"""Serializer fields the API's records share."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.rules import plain

NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
NUMBER_DESCRIPTION = (
    "An exact decimal number, as a JSON string in plain notation (`41.4146018709`, `-5`, `0.332`): never an "
    "exponent, never rounded. A string, because JSON parsers read JSON numbers as binary floating point, which "
    "cannot hold most decimals exactly; read it with a decimal type."
)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": NUMBER_PATTERN,
                      "description": NUMBER_DESCRIPTION, "example": "41.4146018709"})
class ExactNumberField(serializers.Field):
    """A Decimal exactly as stored, in plain notation: 41.4146018709 stays 41.4146018709, 70.0000000000 is 70."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        # The field's own words replace the type's in the schema: keep saying what the string holds.
        kwargs["help_text"] = " ".join(filter(None, [kwargs.get("help_text"), "An exact decimal, as a string."]))
        super().__init__(**kwargs)

    def to_representation(self, value: Decimal) -> str:
        return plain(value)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class NullableLinkField(serializers.ReadOnlyField):
    """An absolute link, or null where there is nothing public to link to."""


@extend_schema_field({"type": "string", "format": "uri"})
class LinkField(serializers.ReadOnlyField):
    """An absolute link."""
