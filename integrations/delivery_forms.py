"""Filters of the delivery pages."""

from __future__ import annotations

from django import forms

from environments.models import Environment
from vsm.catalog.models import ValueStream


class MatrixFilterForm(forms.Form):
    value_stream = forms.ModelChoiceField(queryset=ValueStream.objects.order_by("name"), to_field_name="slug",
                                          required=False, empty_label="Every value stream")

    def value_stream_or_none(self) -> ValueStream | None:
        return self.cleaned_data.get("value_stream") if self.is_valid() else None


class CompareForm(MatrixFilterForm):
    left = forms.ModelChoiceField(queryset=Environment.objects.order_by("name"), to_field_name="slug",
                                  empty_label="Choose an environment")
    right = forms.ModelChoiceField(queryset=Environment.objects.order_by("name"), to_field_name="slug",
                                   empty_label="Choose an environment")

    def clean(self):
        data = super().clean()
        if data.get("left") and data.get("left") == data.get("right"):
            self.add_error("right", "Choose another environment than the left one.")
        return data


class ChangeControlForm(forms.Form):
    environment = forms.ModelChoiceField(queryset=Environment.objects.all(), to_field_name="slug")
    required = forms.BooleanField(required=False)
