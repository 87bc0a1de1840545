"""Form errors in the app's own words instead of Django's defaults.

"Ensure this value is greater than or equal to 1." says nothing about which field or why;
``PlainErrorsMixin`` gives each field messages that name it: "Minutes must be at least 1.",
"Valid until: write a day like 2 Nov 2026.". A message a form already sets itself is kept.
"""

from __future__ import annotations

from django import forms

from clinic.dates import DATE_HINT, DATETIME_HINT


def _defaults(field: forms.Field) -> dict[str, str]:
    """Django's own default messages for this field's class (what we replace)."""
    messages: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return {code: str(text) for code, text in messages.items()}


def plain_messages(field: forms.Field, label: str) -> dict[str, str]:
    """The app's message for each error code of ``field``, naming it by ``label``."""
    lower = label[:1].lower() + label[1:]
    words = {
        "required": f"Fill in {lower}.",
        "min_value": f"{label} must be at least %(limit_value)s.",
        "max_value": f"{label} must be at most %(limit_value)s.",
        "max_length": f"{label} is too long: at most %(limit_value)d characters "
                      "(this has %(show_value)d).",
        "invalid_choice": f"{label}: choose one of the options offered.",
        "invalid_list": f"{label}: choose from the options offered.",
    }
    if isinstance(field, forms.IntegerField):
        words["invalid"] = f"{label}: write a whole number, like 30."
    elif isinstance(field, forms.DateTimeField):
        words["invalid"] = f"{label}: write a day and time {DATETIME_HINT}."
    elif isinstance(field, forms.DateField):
        words["invalid"] = f"{label}: write a day {DATE_HINT}."
    return words


class PlainErrorsMixin:
    """Give every field of the form the app's own error messages (kept: ones set explicitly)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            defaults = _defaults(field)
            label = str(field.label or "This field")
            for code, text in plain_messages(field, label).items():
                current = field.error_messages.get(code)
                if current is None or str(current) == defaults.get(code):
                    field.error_messages[code] = text
