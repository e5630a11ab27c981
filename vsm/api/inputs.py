"""The bases of every API request body serializer."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers


class NullMeansOmitted:
    """For a request body's serializer (Serializer or ModelSerializer): ``null`` for an optional
    field means exactly what leaving the field out means, its default on a create and no change on
    a PATCH. Incident tools send ``"resolved_at": null`` for an open incident; code generated from
    the schema sends null for every unset field. Optional fields are marked ``allow_null`` so the
    schema says ``nullable``.

    A field that declares ``allow_null=True`` itself keeps its own meaning of null (on a PATCH
    that usually clears the value, e.g. a release's value stream)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if not (field.required or field.read_only or field.allow_null):
                field.allow_null = True
                field.null_is_omitted = True
        return fields

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            fields = self.fields
            data = {name: value for name, value in data.items()
                    if value is not None or not getattr(fields.get(name), "null_is_omitted", False)}
        return super().to_internal_value(data)


class InputSerializer(NullMeansOmitted, serializers.Serializer):
    """The base of every request body serializer that is not a ModelSerializer."""
