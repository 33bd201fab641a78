"""Writes the authorization matrix as a Markdown table: `python -m tests.authorization.render`
(or `make authz-doc`). The test suite checks that the committed file is up to date."""

from pathlib import Path

from . import matrix

DOC = "docs/matrice-des-autorisations.md"

SHORT = {
    "anon": "anonyme",
    "member_a": "membre A",
    "admin_a": "admin A",
    "member_b": "membre B",
    "commission_x": "commission X",
    "head_x": "chef X",
    "commission_y": "commission Y",
    "management": "direction",
    "dpo": "DPO",
    "editor": "éditeur",
    "superuser": "superutilisateur",
}
WORDS = {
    "login": "→ connexion",
    "ok": "✅",
    "200+": "200 (la voit)",
}


def _cell(value, sampled) -> str:
    if not sampled:
        return "·"
    return WORDS.get(value, str(value))


def _table(rows, method) -> list[str]:
    lines = [
        "| clé | quoi | objet | " + " | ".join(SHORT[r] for r in matrix.ROLES) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in matrix.ROLES) + " |",
    ]
    for row in rows:
        cells = row.get if method == "GET" else row.post
        verb = row.method if row.method else method
        key = f"`{row.key}`" + (f" ({verb})" if row.method else "")
        what = row.what + (f" — {row.note}" if row.note else "")
        values = [_cell(cells[role], not row.sample or role in row.sample) for role in matrix.ROLES]
        lines.append(
            f"| {key} | {what} | {matrix.OBJECTS[row.obj] if row.obj else ''} | "
            + " | ".join(values)
            + " |"
        )
    return lines


def markdown() -> str:
    out = [
        "# Matrice des autorisations",
        "",
        "<!-- Généré par `python -m tests.authorization.render` depuis "
        "tests/authorization/matrix.py : ne pas modifier à la main. -->",
        "",
        "Qui peut ouvrir quoi et faire quoi, pour chaque adresse et chaque opération d'API du "
        "portail. Chaque case est vérifiée par `tests/authorization/test_matrix.py` : une "
        "adresse ou une opération sans ligne fait échouer la suite.",
        "",
        "L'objet d'une ligne appartient toujours à l'organisation A et est adressé à "
        "l'établissement X : les colonnes « membre B » et « commission Y » sont celles d'une "
        "autre organisation et d'un autre établissement.",
        "",
        "Légende : ✅ autorisé (l'effet est vérifié) ; un code HTTP : refusé ou simple lecture "
        "(pour un envoi, rien n'a changé en base) ; → connexion : renvoyé à la page de "
        "connexion ; 200 (la voit) : la liste montre la demande de A ; · : non testé pour ce "
        "rôle (pages de son propre compte : le même pour tous les rôles connectés).",
        "",
        "Rôles : " + " ; ".join(f"**{SHORT[k]}** : {v}" for k, v in matrix.ROLES.items()) + ".",
        "",
        "## Consultation (GET)",
        "",
        *_table([r for r in matrix.ROWS if r.get is not None], "GET"),
        "",
        "## Actions (POST, et méthodes d'écriture des API)",
        "",
        *_table([r for r in matrix.ROWS if r.post is not None], "POST"),
        "",
        "## API v3 de Wagtail (CMS)",
        "",
        "Chaque opération a un genre : **public** (lecture anonyme du contenu publié), "
        "**jeton** (lecture avec un jeton), **écriture** (jeton d'un utilisateur ayant la "
        "permission Wagtail). Vérifié : les écritures sont refusées (401/403/404, rien ne "
        "change) sans jeton et avec le jeton d'un partenaire, de la commission, de la direction "
        "ou du DPO ; les lectures publiques répondent sans jeton.",
        "",
        "| opération | genre |",
        "| --- | --- |",
        *[f"| `{op}` | {kind} |" for op, kind in sorted(matrix.WAGTAIL_V3.items())],
        "",
        "## Administrations",
        "",
        "- `/admin/` (Wagtail) et `/django-admin/` (Django) : chaque adresse renvoie un visiteur "
        "anonyme vers la connexion (règle vérifiée sur toutes leurs adresses) ; sur un "
        "échantillon de pages, seuls l'éditeur (Wagtail, sans la gestion des utilisateurs) et "
        "le superutilisateur entrent.",
        "",
    ]
    return "\n".join(out)


def main():
    path = Path(__file__).resolve().parent.parent.parent / DOC
    path.write_text(markdown())
    print(f"{path} written ({len(matrix.ROWS)} rows, {len(matrix.WAGTAIL_V3)} Wagtail operations).")


if __name__ == "__main__":
    main()
