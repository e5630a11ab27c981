"""Form fields shared by the apps' pages."""

from __future__ import annotations

from django import forms

from vsm.nul import nul_at


class JSONField(forms.JSONField):
    """Django's JSON form field, refusing a NUL character (``\\u0000``) anywhere in the value.
    Django's CharField refuses NUL in the text typed, but JSON spells it as an escape that only
    parsing reveals, and PostgreSQL's jsonb cannot hold it."""

    def validate(self, value):
        super().validate(value)
        where = nul_at(value, "")
        if where is not None:
            inside = f" (at {where.lstrip('.')})" if where else ""
            raise forms.ValidationError(f"Must not contain a NUL character (\\u0000){inside}.", code="null_characters")


class NonFieldErrorsConcern:
    """For a form whose whole-form error is about some of its fields (a sign-in's email and
    password, which are wrong together): those fields are marked aria-invalid and described by
    the error, as a field's own error would be (templates/partials/form.html renders the id)."""

    non_field_errors_concern: tuple[str, ...] = ()

    def full_clean(self):
        super().full_clean()
        if self.non_field_errors():
            for name in self.non_field_errors_concern:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self.prefix or 'form'}-errors"})
