"""Form pieces shared by every app."""

from django import forms

# A native date picker; the value is ISO so that the browser can read it back.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
