"""Unknown variables in the project's own templates fail the test that renders them.

Django renders an unknown variable (``{{ refferal.title }}``, ``{% url 'x' pk %}`` with no
``pk``, ``{% blocktranslate %}… {{ name }}`` with no ``name``) as an empty string, so a typo or
a variable a view forgot to pass goes unnoticed. During the tests the Django template engine's
``string_if_invalid`` is :data:`UNKNOWN_VARIABLE`, a ``str`` that behaves exactly like Django's
default ``""`` except in the one place Django consults it for a variable that does not exist:

* ``FilterExpression.resolve`` (``{{ … }}``, tag arguments, ``{% with %}``,
  ``{% include … with %}``) checks ``if string_if_invalid:`` then, because it contains ``"%s"``,
  computes ``string_if_invalid % variable``; ``BlockTranslateNode`` does the same with the name of
  a missing placeholder. :meth:`UnknownVariable.__mod__` walks up the stack to the template
  ``Node`` being rendered and reads its ``origin``: when that file is one of ours (``templates/``
  at the root, or ``templates/`` in a project app) it raises :class:`UnknownTemplateVariable`
  with the file, line and variable. Wagtail's, allauth's and Django's templates rely on missing
  variables rendering as nothing, so for them it returns exactly what production renders: the
  filters applied to ``""``.
* A variable that carries a ``|default:…`` filter says it may be missing: it is never an error,
  and renders as in production (the default). ``{% if %}``, ``{% for %}`` and ``{% firstof %}``
  never consult ``string_if_invalid``, so ``{% if x %}{{ x }}{% endif %}`` is fine too.
* ``bool(UNKNOWN_VARIABLE)`` is true only when ``FilterExpression.resolve`` asks (otherwise
  Django would skip its ``"%s"`` branch); everywhere else it is false and renders as ``""``, like
  production's value, because Django also uses ``string_if_invalid`` as the *value* of silent
  failures (a related object that does not exist, a method that needs arguments, a method that
  ``alters_data``) and templates test those with ``{% if %}``. Those silent failures are not
  reported: ``{% if referral.some_one_to_one %}`` is a legitimate way to ask whether it exists.

The engine reads ``string_if_invalid`` from ``settings.TEMPLATES`` when it is built, so the
guard is installed in the settings (see ``tests/conftest.py``) and survives a test that rebuilds
the engines with ``override_settings``.
"""

import copy
import sys
from pathlib import Path

from django.conf import settings
from django.template.base import FilterExpression, Node
from django.template.defaultfilters import default as default_filter

# The project's apps, including the `core` app under way; a missing one is simply skipped.
PROJECT_APPS = ("accounts", "cms", "referrals", "portal", "core")

_RESOLVE_CODE = FilterExpression.resolve.__code__


def project_template_dirs() -> tuple[Path, ...]:
    base = Path(settings.BASE_DIR)
    return (base / "templates", *(base / app / "templates" for app in PROJECT_APPS))


class UnknownTemplateVariable(Exception):
    pass


def _rendering_frames():
    """(the FilterExpression being resolved or None, its context, the template Node rendering)."""
    frame = sys._getframe(2)  # skip _rendering_frames and __mod__
    expression = context = None
    while frame is not None:
        owner = frame.f_locals.get("self")
        if expression is None and frame.f_code is _RESOLVE_CODE:
            expression, context = owner, frame.f_locals["context"]
        elif isinstance(owner, Node):
            return expression, context, owner
        frame = frame.f_back
    return expression, context, None


def _is_ours(node) -> bool:
    origin = getattr(node, "origin", None)
    name = getattr(origin, "name", None)
    if not name or name.startswith("<"):  # Template("…") built from a string: not a file
        return False
    path = Path(name)
    return any(path.is_relative_to(directory) for directory in project_template_dirs())


class UnknownVariable(str):
    def __new__(cls):
        return super().__new__(cls, "")

    def __bool__(self):
        # Only FilterExpression.resolve needs "truthy" to take its "%s" branch (see module doc).
        return sys._getframe(1).f_code is _RESOLVE_CODE

    def __contains__(self, item):
        return item == "%s" or super().__contains__(item)

    def __mod__(self, variable):
        expression, context, node = _rendering_frames()
        tolerated = expression is not None and any(
            func is default_filter for func, _args in expression.filters
        )
        if node is not None and _is_ours(node) and not tolerated:
            token = getattr(node, "token", None)
            line = f", line {token.lineno}" if token is not None else ""
            raise UnknownTemplateVariable(
                f"Unknown template variable {str(variable)!r} in {node.origin.name}{line}: "
                "pass it from the view, or render it under {% if %} or with |default:…"
            )
        if expression is None:  # {% blocktranslate %} placeholder: production renders ""
            return ""
        # What production renders: the expression's filters applied to "" (string_if_invalid).
        production = copy.copy(expression)
        production.var, production.is_var = "", False
        return production.resolve(context)

    def __reduce__(self):
        return (UnknownVariable, ())


UNKNOWN_VARIABLE = UnknownVariable()


def install():
    """Make UNKNOWN_VARIABLE the string_if_invalid of every Django template engine."""
    for backend in settings.TEMPLATES:
        if backend["BACKEND"] == "django.template.backends.django.DjangoTemplates":
            backend.setdefault("OPTIONS", {})["string_if_invalid"] = UNKNOWN_VARIABLE
