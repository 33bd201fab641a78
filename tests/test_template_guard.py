"""The guard of tests/template_guard.py: unknown variables fail in our templates only, and
everything else renders exactly as in production."""

import pytest
from django.conf import settings
from django.template import Context, engines
from django.template.base import Origin, Template
from django.template.loader import render_to_string

from tests.template_guard import UNKNOWN_VARIABLE, UnknownTemplateVariable

ENGINE = engines["django"].engine


def ours(source: str) -> Template:
    """A template as if it were a file of templates/."""
    origin = Origin(name=str(settings.BASE_DIR / "templates" / "guard_probe.html"))
    return Template(source, origin=origin, engine=ENGINE)


def theirs(source: str) -> Template:
    origin = Origin(name="/usr/lib/python3/site-packages/wagtail/templates/probe.html")
    return Template(source, origin=origin, engine=ENGINE)


def render(template: Template, **context) -> str:
    return template.render(Context(context))


def test_the_guard_is_installed():
    assert ENGINE.string_if_invalid is UNKNOWN_VARIABLE


@pytest.mark.parametrize(
    "source",
    [
        "{{ missing }}",
        "{{ referral.missing }}",
        "{{ missing|upper }}",
        "{% with x=missing %}{{ x }}{% endwith %}",
        "{% load i18n %}{% blocktranslate %}Bonjour {{ missing }}{% endblocktranslate %}",
        "{% url 'referrals:detail' missing %}",
    ],
)
def test_an_unknown_variable_of_ours_fails_with_its_place(source):
    with pytest.raises(UnknownTemplateVariable, match=r"guard_probe\.html, line 1"):
        render(ours(source), referral=object())


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[{{ missing|default:'—' }}]", "[—]"),
        ("[{% if missing %}{{ missing }}{% endif %}]", "[]"),
        ("[{% firstof missing 'x' %}]", "[x]"),
        ("[{% for x in missing %}{{ x }}{% empty %}none{% endfor %}]", "[none]"),
    ],
)
def test_a_variable_declared_optional_renders_as_in_production(source, expected):
    assert render(ours(source)) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[{{ missing }}]", "[]"),
        ("[{{ missing|default:'x' }}]", "[x]"),
        ("[{{ missing|length }}]", "[0]"),
        ("{% load i18n %}[{% blocktranslate %}a{{ missing }}b{% endblocktranslate %}]", "[ab]"),
    ],
)
def test_third_party_templates_render_as_in_production(source, expected):
    assert render(theirs(source)) == expected


def test_silent_failures_stay_falsy_and_empty():
    """A method needing arguments (or a missing related object) is string_if_invalid's value:
    it must stay falsy and empty, as in production, for {% if %} to work."""

    class Thing:
        def needs_argument(self, argument):
            return argument

    template = ours("[{% if t.needs_argument %}yes{% else %}no{% endif %}|{{ t.needs_argument }}]")
    assert render(template, t=Thing()) == "[no|]"


def test_a_real_template_of_ours_is_guarded():
    with pytest.raises(UnknownTemplateVariable, match=r"status\.html"):
        render_to_string("referrals/includes/status.html", {})
    html = render_to_string("referrals/includes/status.html", {"status": "draft", "label": "B"})
    assert html.strip() == '<span class="status status-draft">B</span>'
