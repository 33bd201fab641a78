"""The commission's action addresses are French (`/avis-favorable/`, `/enregistrer-la-sortie/`…):
this converter turns the slug into the `Action` and back, so that `reverse` and `{% url %}` take
the action itself. The English addresses of the first version redirect (`views.legacy_action`)."""

from ..choices import Action

SLUGS = {
    Action.REQUEST_INFO: "demander-des-informations",
    Action.SCHEDULE: "inscrire-en-commission",
    Action.ACCEPT: "avis-favorable",
    Action.DECLINE: "avis-defavorable",
    Action.REORIENT: "reorienter",
    Action.RECORD_ARRIVAL: "enregistrer-l-arrivee",
    Action.RECORD_DEPARTURE: "enregistrer-la-sortie",
    Action.RECORD_NO_SHOW: "absence",
    Action.CANCEL: "annuler-l-admission",
}


class ActionConverter:
    regex = "|".join(sorted(SLUGS.values(), key=len, reverse=True))
    actions = {slug: action for action, slug in SLUGS.items()}

    def to_python(self, value) -> Action:
        return self.actions[value]

    def to_url(self, value) -> str:
        if value in self.actions:
            return value
        return SLUGS[Action(value)]
