"""A large collective.exportimport export, generated (for the import benchmark).

Folders of ``per_folder`` items each: documents whose text links to earlier documents
(``resolveuid``), shows an image and holds a table; news items; events; images (small PNGs, in
base64); a third of the pages with subjects (tags). The content list is written one item at a
time, with ``export_ordering.json`` beside it.
"""

import base64
import io
import json
import uuid
from pathlib import Path

from PIL import Image

SITE = "http://localhost:8080/Plone"
NAMESPACE = uuid.UUID("8d1e4f0a-5b3c-4d2e-9f6a-7b8c9d0e1f2a")
SUBJECTS = ["Hébergement", "Insertion", "Santé", "Emploi", "Justice", "Logement", "Bénévolat"]


def plone_uid(name: str) -> str:
    return uuid.uuid5(NAMESPACE, name).hex


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 140)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _item(path: str, portal_type: str, title: str, parent: dict, **fields) -> dict:
    return {
        "@id": f"{SITE}/{path}",
        "@type": portal_type,
        "UID": plone_uid(path),
        "id": path.rsplit("/", 1)[-1],
        "title": title,
        "description": f"{title} : description pour les moteurs de recherche.",
        "review_state": "published",
        "created": "2019-03-04T10:12:00+00:00",
        "modified": "2020-01-15T16:40:00+00:00",
        "effective": "2019-03-05T09:00:00+00:00",
        "expires": None,
        "subjects": fields.pop("subjects", []),
        "language": "fr",
        "exclude_from_nav": False,
        "parent": parent,
        **fields,
    }


def generate(
    folder: Path, items: int, per_folder: int = 50, image_every: int = 5, prefix: str = "rubrique"
) -> int:
    """Write an export of about ``items`` items into ``folder``; the number written."""
    folder.mkdir(parents=True, exist_ok=True)
    png = _png()
    site = {"@id": SITE, "@type": "Plone Site", "title": "L'Îlot"}
    ordering = []
    written = 0
    with (folder / "Plone.json").open("w", encoding="utf-8") as out:
        out.write("[\n")

        def emit(item: dict, order: int):
            nonlocal written
            out.write(("," if written else "") + json.dumps(item, ensure_ascii=False) + "\n")
            ordering.append({"uuid": item["UID"], "order": order})
            written += 1

        number = 0
        while written < items:
            number += 1
            name = f"{prefix}-{number}"
            emit(_item(name, "Folder", f"Rubrique {number}", site), number)
            parent = {"@id": f"{SITE}/{name}", "@type": "Folder", "UID": plone_uid(name)}
            previous = None
            for position in range(min(per_folder, items - written)):
                path = f"{name}/element-{position}"
                title = f"Élément {position} de la rubrique {number}"
                if position % image_every == 0:
                    image = {"filename": f"image-{position}.png", "content-type": "image/png"}
                    item = _item(
                        f"{path}.png", "Image", title, parent, image={**image, "data": png}
                    )
                    previous_image = item["UID"]
                    emit(item, position)
                    continue
                text = (
                    f"<h2>{title}</h2><p>Un <strong>paragraphe</strong> avec un "
                    f'<a href="resolveuid/{previous or parent["UID"]}">lien interne</a>.</p>'
                    f'<p><img src="resolveuid/{previous_image}/@@images/image/preview" '
                    'alt="Une image" /></p><table><tr><th>Année</th><th>Personnes</th></tr>'
                    "<tr><td>2019</td><td>60</td></tr></table><ul><li>un</li><li>deux</li></ul>"
                )
                body = {"data": text, "content-type": "text/html", "encoding": "utf-8"}
                subjects = (
                    [SUBJECTS[position % 7], SUBJECTS[number % 7]] if position % 3 == 1 else []
                )
                if position % 7 == 3:
                    item = _item(path, "News Item", title, parent, text=body, subjects=subjects)
                elif position % 7 == 5:
                    item = _item(
                        path,
                        "Event",
                        title,
                        parent,
                        text=body,
                        start="2020-03-14T09:30:00+01:00",
                        end="2020-03-14T17:00:00+01:00",
                        whole_day=False,
                        location="Amiens",
                        subjects=subjects,
                    )
                else:
                    item = _item(path, "Document", title, parent, text=body, subjects=subjects)
                previous = item["UID"]
                emit(item, position)
        out.write("]\n")
    (folder / "export_ordering.json").write_text(json.dumps(ordering))
    return written
