"""The bases of every API request body serializer."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from django.utils.functional import cached_property
from rest_framework import serializers

_fields = threading.local()  # InputSerializer: its fields, per class, for this thread


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
    """The base of every request body serializer that is not a ModelSerializer.

    DRF builds a serializer's fields anew for every instance (deep copies of the declared ones,
    nested serializers' too): for CI's deployment post that was half of validating its body. A
    body read without an instance, context or partial update has nothing of its own in its
    fields, so those are built once per class and thread and shared (a field reaches its
    serializer only for those three, and validation keeps its results on the serializer)."""

    @cached_property
    def fields(self):
        if self.instance is not None or self._context or self.partial or self.parent is not None:
            return super().fields
        built = _fields.__dict__.setdefault("by_class", {})
        if type(self) not in built:
            built[type(self)] = super().fields
        return built[type(self)]
