"""Model fields of the CMS."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChoiceListField(models.JSONField):
    """A list of codes taken from a ``TextChoices`` vocabulary, stored as a JSON list.

    JSON keeps the field portable (SQLite for ``make run``, PostgreSQL elsewhere) and gives the
    API a plain list of codes. The admin edits it with checkboxes; unknown codes are refused.
    Filter on it in Python (``filter_by_codes`` below): JSON containment lookups are
    not available on SQLite.
    """

    def __init__(self, *args, vocabulary=None, **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["vocabulary"] = self.vocabulary
        if kwargs.get("default") is list:
            del kwargs["default"]
        if kwargs.get("blank") is True:
            del kwargs["blank"]
        return name, path, args, kwargs

    @property
    def item_choices(self):
        return list(self.vocabulary.choices) if self.vocabulary else []

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value in (None, ""):
            return
        if not isinstance(value, list | tuple):
            raise ValidationError(_("Une liste de codes est attendue."), code="invalid_list")
        allowed = {code for code, _label in self.item_choices}
        unknown = [str(code) for code in value if code not in allowed]
        if unknown:
            raise ValidationError(
                _("Code(s) inconnu(s) : %(codes)s."),
                code="invalid_choice",
                params={"codes": ", ".join(unknown)},
            )
        if len(set(value)) != len(value):
            raise ValidationError(_("Un même code est présent deux fois."), code="duplicate")

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.item_choices,
            "coerce": str,
            "required": not self.blank,
            "widget": forms.CheckboxSelectMultiple,
            "label": self.verbose_name,
            "help_text": self.help_text,
        }
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        for unused in ("encoder", "decoder", "max_length"):
            defaults.pop(unused, None)
        return form_class(**defaults)

    def labels(self, value) -> list[str]:
        mapping = dict(self.item_choices)
        return [str(mapping.get(code, code)) for code in value or []]


def filter_by_codes(items, attribute: str, code: str):
    """Items whose list field ``attribute`` holds ``code`` (portable: done in Python)."""
    return [item for item in items if code in (getattr(item, attribute) or [])]
