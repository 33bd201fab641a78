"""``manage.py import_plone``: a collective.exportimport export into the Wagtail tree.

The fixture (``fixtures/plone/``) is a realistic export of an association's site: folders with a
default page, documents with internal links (``resolveuid``, relative, absolute), images (base64,
a focal point), files (base64 and a blob path), news with a lead image, events, a collection,
links, a private item, a draft, an unknown type, a broken item, an orphan, the sibling order and
redirects, as collective.exportimport writes them (``Plone.json``, ``export_*.json``).
"""

import base64
import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, PageLogEntry, PageViewRestriction, ReferenceIndex

from cms.models import EventPage, IndexPage, NewsPage, PloneItem, StandardPage, StandardPageTag
from cms.plone import bulk
from cms.plone.export import Export
from cms.plone.html import HtmlConverter, embed_url
from cms.plone.importer import PloneImporter
from tests.factories import UserFactory
from tests.utils import login

FIXTURE = Path(__file__).parent / "fixtures" / "plone"
SITE = "http://localhost:8080/Plone"
PNG = (  # one pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

pytestmark = pytest.mark.django_db


def run(path, tmp_path, *args) -> tuple[dict, str, str]:
    """Run the command; (report, output, error message or "")."""
    from io import StringIO

    report = tmp_path / f"report-{len(list(tmp_path.glob('report-*')))}.json"
    out = StringIO()
    error = ""
    try:
        call_command(
            "import_plone", str(path), "--report", str(report), "--no-progress", *args, stdout=out
        )
    except CommandError as exc:
        error = str(exc)
    data = json.loads(report.read_text()) if report.exists() else {}
    return data, out.getvalue(), error


def by_path(report: dict) -> dict[str, dict]:
    return {item["path"]: item for item in report["items"]}


def page(slug: str) -> Page:
    return Page.objects.get(slug=slug).specific


def counts() -> tuple[int, ...]:
    return (
        Page.objects.count(),
        get_image_model().objects.count(),
        get_document_model().objects.count(),
        Redirect.objects.count(),
        PloneItem.objects.count(),
    )


@pytest.fixture
def export(tmp_path):
    """A copy of the fixture that a test may change."""
    folder = tmp_path / "export"
    shutil.copytree(FIXTURE, folder)
    return folder


@pytest.fixture
def imported(export, tmp_path, home):
    report, output, error = run(export, tmp_path)
    return report, output, error


def item(path, portal_type="Document", parent=None, **fields) -> dict:
    uid = fields.pop("UID", None) or f"{abs(hash(path)):032x}"[:32]
    return {
        "@id": f"{SITE}/{path}",
        "@type": portal_type,
        "UID": uid,
        "id": path.rsplit("/", 1)[-1],
        "title": fields.pop("title", path),
        "description": "",
        "review_state": "published",
        "created": "2020-01-01T10:00:00+00:00",
        "modified": "2020-01-02T10:00:00+00:00",
        "effective": "2020-01-01T10:00:00+00:00",
        "expires": None,
        "parent": parent or {"@id": SITE, "@type": "Plone Site", "title": "Plone"},
        **fields,
    }


def write(tmp_path, items, name="content.json") -> Path:
    folder = tmp_path / "small"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(items), encoding="utf-8")
    return folder


# The tree -----------------------------------------------------------------------------------


def test_the_fixture_builds_the_tree_and_reports_its_one_broken_item(imported, home):
    report, output, error = imported
    items = by_path(report)
    assert "1 élément(s) en échec" in error  # the exit status is not zero
    assert items["/actualites/sans-date"]["status"] == "failed"
    assert "Date illisible" in items["/actualites/sans-date"]["message"]
    assert not Page.objects.filter(slug="sans-date").exists()  # nothing half-imported
    assert report["summary"]["counts"]["created"] == 22
    assert report["summary"]["unknown_types"] == {"FormFolder": 1}
    assert items["/contact"]["status"] == "skipped"
    assert "type inconnu « FormFolder » : 1" in output

    # Folders are index pages, in Plone's sibling order (export_ordering.json).
    establishments = page("nos-etablissements")
    assert isinstance(establishments, IndexPage)
    assert establishments.get_parent().pk == home.pk
    assert [p.slug for p in establishments.get_children()] == ["centre-beauvais", "chrs-amiens"]
    assert [p.slug for p in page("association").get_children()] == [
        "nous-soutenir",
        "histoire",
        "projet-interne",
        "rapport-en-relecture",
    ]
    # The default page's text is the folder's introduction, and is not a page of its own.
    association = page("association")
    assert not Page.objects.filter(slug="presentation").exists()
    assert association.body[0].block_type == "heading"
    assert association.body[0].value["text"] == "Notre mission"
    assert association.intro.startswith("Qui nous sommes")
    assert items["/association/presentation"]["status"] == "merged"

    # Documents: title, description, dates, menus.
    chrs = page("chrs-amiens")
    assert isinstance(chrs, StandardPage)
    assert chrs.title == "CHRS d'Amiens"
    assert chrs.search_description.startswith("60 places")
    assert chrs.live and not chrs.has_unpublished_changes
    assert chrs.first_published_at.isoformat() == "2019-03-05T09:00:00+00:00"
    assert chrs.last_published_at.isoformat() == "2020-01-15T16:40:00+00:00"
    assert chrs.show_in_menus
    legal = page("mentions-legales")
    assert not legal.show_in_menus  # exclude_from_nav
    assert legal.expire_at.year == 2030
    assert legal.body[0].value.source == (
        "<p>Éditeur : association L'Îlot.</p><p>Hébergeur : à préciser.</p>"
    )

    # Publication state: private never public, other states are drafts.
    private = page("projet-interne")
    assert not private.live
    assert PageViewRestriction.objects.filter(
        page=private, restriction_type=PageViewRestriction.LOGIN
    ).exists()
    assert not page("rapport-en-relecture").live
    assert page("rapport-en-relecture").has_unpublished_changes

    # News, with the lead image; events.
    news = page("inauguration-ilot-gourmand")
    assert isinstance(news, NewsPage)
    assert str(news.date) == "2019-10-02"
    assert news.intro == "Le restaurant d'insertion ouvre ses portes à Amiens."
    assert news.image.title == "Le jour de l'inauguration"
    assert news.image.width == 400
    forum = page("forum-reinsertion-2020")
    assert isinstance(forum, EventPage)
    assert forum.start.isoformat() == "2020-03-14T08:30:00+00:00"
    assert forum.end.isoformat() == "2020-03-14T16:00:00+00:00"
    assert forum.location == "Maison des associations, Amiens"
    assert not forum.whole_day
    assert page("assemblee-generale").whole_day

    # A collection is an index page with a note; images and files.
    collection = page("toutes-les-actualites")
    assert isinstance(collection, IndexPage)
    assert "critères" in items["/actualites/toutes-les-actualites"]["warnings"][0]
    facade = get_image_model().objects.get(title="Façade du CHRS d'Amiens")
    assert (facade.width, facade.height) == (320, 200)
    team = get_image_model().objects.get(title="L'équipe éducative")
    assert (team.focal_point_x, team.focal_point_y) == (60, 40)
    leaflet = get_document_model().objects.get(title="Plaquette de présentation")
    assert leaflet.file.read().startswith(b"%PDF")  # read from the blob folder

    # The orphan is filed under "À trier", unpublished.
    orphan = page("page-orpheline")
    assert orphan.get_parent().title == "À trier"
    assert not orphan.live and not orphan.get_parent().live
    assert "Parent introuvable" in items["/ancien-dossier/page-orpheline"]["warnings"][0]

    # The Plone UID is kept.
    assert PloneItem.objects.get(uid=chrs_uid()).object_id == chrs.pk


def chrs_uid() -> str:
    content = json.loads((FIXTURE / "Plone.json").read_text())
    return next(i["UID"] for i in content if i["id"] == "chrs-amiens")


# Rich text ----------------------------------------------------------------------------------


def test_rich_text_links_images_tables_and_embeds_are_rewritten(imported):
    report = imported[0]
    history = page("histoire")
    chrs = page("chrs-amiens")
    leaflet = get_document_model().objects.get(title="Plaquette de présentation")
    facade = get_image_model().objects.get(title="Façade du CHRS d'Amiens")
    blocks = [(block.block_type, block.value) for block in history.body]
    assert [kind for kind, _value in blocks] == [
        "heading",
        "paragraph",
        "image",
        "heading",
        "table",
        "paragraph",
        "embed",
    ]
    # <h1> is the page's title level: it becomes a section heading; <h3> a sub-heading.
    assert blocks[0][1]["level"] == "h2" and blocks[3][1]["level"] == "h3"
    # A relative @@images link to an image.
    assert blocks[2][1]["image"].pk == facade.pk
    assert blocks[2][1]["alt"] == "Façade du CHRS d'Amiens"
    table = blocks[4][1]
    assert table["first_row_is_table_header"]
    assert table["data"][0] == ["Année", "Événement"]
    assert table["data"][2] == ["1987", "Ouverture du CHRS d'Amiens"]
    # A relative link to a page and a resolveuid/…/view link to a file.
    source = history.body[5].value.source
    assert f'<a linktype="page" id="{chrs.pk}">' in source
    assert f'<a linktype="document" id="{leaflet.pk}">' in source
    assert blocks[6][1]["embed"].url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    # The script is gone, and the report says so.
    raw = json.dumps(list(history.body.raw_data))
    assert "alert" not in raw and "script" not in raw
    assert "<script>" in by_path(report)["/association/histoire"]["warnings"][0]

    # resolveuid links to a page imported later (the news item links to the event).
    news = page("inauguration-ilot-gourmand")
    assert f'<a linktype="page" id="{page("forum-reinsertion-2020").pk}">' in (
        news.body[0].value.source
    )
    # Absolute links with the site's address, @@download, resolveuid images; bold kept.
    source = "".join(
        str(block.value.source) for block in chrs.body if block.block_type == "paragraph"
    )
    report_doc = get_document_model().objects.get(title="Rapport d'activité 2019")
    assert f'<a linktype="document" id="{report_doc.pk}">' in source
    assert f'<a linktype="document" id="{leaflet.pk}">plaquette</a>' in source
    assert "<b>60 personnes</b>" in source
    assert [b.value["decorative"] for b in chrs.body if b.block_type == "image"] == [True]
    # Inline styles dropped, unknown iframes dropped and reported, Vimeo and PeerTube kept.
    beauvais = page("centre-beauvais")
    assert "style" not in json.dumps(list(beauvais.body.raw_data))
    embeds = [b.value["embed"].url for b in beauvais.body if b.block_type == "embed"]
    assert embeds == [
        "https://vimeo.com/76979871",
        "https://video.example.org/w/9c9de5e8-0a1e-484a-b099-e80766180a6d",
    ]
    assert (
        "google.com/maps" in by_path(report)["/nos-etablissements/centre-beauvais"]["warnings"][0]
    )
    # External links and mailto: kept as they are.
    support = page("nous-soutenir").body[0].value.source
    assert '<a href="mailto:contact@ilot.test">' in support
    assert '<a href="https://www.service-public.fr/particuliers/vosdroits/F426">' in support
    assert "<ol><li><b>faire un don</b>" in support


def test_the_converter_keeps_what_the_editor_holds():
    class Nothing:
        def link(self, href):
            return None

        def image(self, src):
            return None

    result = HtmlConverter(Nothing(), seed="x").convert(
        '<p onclick="x()">Un <u>texte</u> <a href="javascript:alert(1)">piégé</a>'
        "<style>p{}</style></p><ul><li>un<ul><li>deux</li></ul></li></ul>"
        '<p><a href="../introuvable">lien mort</a></p><p>&nbsp;</p><p><img src="x.png"></p>'
    )
    assert [block["type"] for block in result.blocks] == ["paragraph"]
    assert result.blocks[0]["value"] == (
        "<p>Un texte piégé</p><ul><li>un<ul><li>deux</li></ul></li></ul><p>lien mort</p>"
    )
    assert any("javascript" in warning for warning in result.warnings)
    assert any("<style>" in warning for warning in result.warnings)
    assert any("introuvable" in warning for warning in result.warnings)
    assert any("Image introuvable" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    ("src", "url"),
    [
        ("https://www.youtube.com/embed/abc_123?rel=0", "https://www.youtube.com/watch?v=abc_123"),
        ("https://www.youtube-nocookie.com/embed/abc", "https://www.youtube.com/watch?v=abc"),
        ("https://player.vimeo.com/video/123456", "https://vimeo.com/123456"),
        ("https://peertube.example/videos/embed/9c9de5e8", "https://peertube.example/w/9c9de5e8"),
        ("https://www.google.com/maps/embed?pb=1", None),
        ("//evil.example/frame", None),
    ],
)
def test_known_embeds(src, url):
    assert embed_url(src) == url


# Redirects ----------------------------------------------------------------------------------


def test_every_old_plone_address_redirects(imported, client):
    history = page("histoire")
    chrs = page("chrs-amiens")
    facade = get_image_model().objects.get(title="Façade du CHRS d'Amiens")
    leaflet = get_document_model().objects.get(title="Plaquette de présentation")
    expected = {
        "/association/histoire/view": history.url,
        "/association/presentation": page("association").url,
        "/association/presentation/view": page("association").url,
        "/nos-etablissements/facade-chrs.jpg": facade.file.url,
        "/nos-etablissements/facade-chrs.jpg/view": facade.file.url,
        "/nos-etablissements/facade-chrs.jpg/@@images/image/preview": facade.file.url,
        "/nos-etablissements/facade-chrs.jpg/image_thumb": facade.file.url,
        "/association/plaquette.pdf": leaflet.url,
        "/association/plaquette.pdf/@@download/file": leaflet.url,
        "/association/plaquette.pdf/@@display-file/file": leaflet.url,
        # The exported redirects (paths with the site's id).
        "/qui-sommes-nous": page("association").url,
        "/etablissements/chrs": chrs.url,
        "/documents/rapport-2019.pdf": get_document_model()
        .objects.get(title="Rapport d'activité 2019")
        .url,
        # Links: to an external site, and to a page of the site.
        "/federation-solidarite": "https://www.federationsolidarite.org",
        "/faire-un-don": page("nous-soutenir").url,
    }
    for old, new in expected.items():
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == new, old
    assert client.get(history.url).status_code == 200  # the new page itself


# Idempotency, dry run, report ---------------------------------------------------------------


def test_a_second_run_changes_nothing(imported, export, tmp_path):
    before = counts()
    history = page("histoire")
    report, output, _error = run(export, tmp_path)
    statuses = {item["status"] for item in report["items"]}
    assert statuses == {"unchanged", "skipped", "failed"}
    assert "23 inchangés" in output
    assert counts() == before
    assert page("histoire").latest_revision_created_at == history.latest_revision_created_at


def test_a_changed_item_is_updated_and_a_changed_parent_moves_the_page(imported, export, tmp_path):
    chrs = page("chrs-amiens")
    content = json.loads((export / "Plone.json").read_text())
    association = next(i for i in content if i["id"] == "association")
    for entry in content:
        if entry["id"] == "chrs-amiens":
            entry["title"] = "CHRS d'Amiens (Somme)"
            entry["parent"] = {k: association[k] for k in ("@id", "@type", "UID", "title")}
            entry["@id"] = f"{SITE}/association/chrs-amiens"
    (export / "Plone.json").write_text(json.dumps(content))
    before = counts()
    report, _output, _error = run(export, tmp_path)
    outcome = by_path(report)["/association/chrs-amiens"]
    assert outcome["status"] == "moved"
    assert outcome["changes"] == ["title"]
    moved = page("chrs-amiens")
    assert moved.pk == chrs.pk
    assert moved.title == "CHRS d'Amiens (Somme)"
    assert moved.get_parent().slug == "association"
    assert counts()[0] == before[0]  # no duplicate page


def test_dry_run_reports_and_writes_nothing(export, tmp_path, home):
    before = counts()
    report, output, error = run(export, tmp_path, "--dry-run")
    assert output.startswith("Simulation — rien n'a été enregistré.")
    assert report["summary"]["dry_run"] is True
    assert report["summary"]["counts"]["created"] == 22
    assert by_path(report)["/association/histoire"]["status"] == "created"
    assert "1 élément(s) en échec" in error
    assert counts() == before


# Bad input ----------------------------------------------------------------------------------


def test_malformed_json_imports_nothing(tmp_path, home):
    folder = tmp_path / "broken"
    folder.mkdir()
    valid = json.dumps([item("une-page", text={"data": "<p>x</p>"})])
    (folder / "Plone.json").write_text(valid[:-1] + ', {"@type": "Document", ')
    before = counts()
    _report, _output, error = run(folder, tmp_path)
    assert "n'est pas un JSON valide" in error
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("export_redirects.json", '{"/a": "/b", ', "n'est pas un JSON valide"),
        ("export_redirects.json", '["/a", "/b"]', "un objet {ancien chemin: nouveau} est attendu"),
        ("export_ordering.json", '{"uuid": "x"}', "une liste est attendue"),
        ("export_defaultpages.json", "[{", "n'est pas un JSON valide"),
    ],
)
def test_a_malformed_side_export_imports_nothing(export, tmp_path, home, name, content, message):
    (export / name).write_text(content)
    before = counts()
    _report, _output, error = run(export, tmp_path)
    assert f"{name} " in error
    assert message in error
    assert counts() == before


def test_a_missing_export_is_a_clear_error(tmp_path, home):
    _report, _output, error = run(tmp_path / "nulle-part", tmp_path)
    assert "Aucun fichier ni dossier" in error


def test_duplicate_uids_unknown_types_and_broken_files(tmp_path, home):
    blobs = tmp_path / "small" / "blobs"
    blobs.mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("secret")
    items = [
        item("premiere", UID="a" * 32, title="Première"),
        item("doublon", UID="a" * 32, title="Doublon"),
        item("sondage", "PloneFormGen", UID="b" * 32),
        item(
            "illisible.png",
            "Image",
            UID="c" * 32,
            image={"filename": "illisible.png", "data": "pas du base64 !", "encoding": "base64"},
        ),
        item(
            "texte.png",
            "Image",
            UID="d" * 32,
            image={
                "filename": "texte.png",
                "data": base64.b64encode(b"ceci n'est pas une image").decode(),
                "encoding": "base64",
            },
        ),
        item(
            "evasion.pdf",
            "File",
            UID="e" * 32,
            file={"filename": "evasion.pdf", "blob_path": "../../secret.txt"},
        ),
        item(
            "actu",
            "News Item",
            UID="f" * 32,
            image={"filename": "a.png", "data": "%%%", "encoding": "base64"},
        ),
        item("bonne.png", "Image", UID="0" * 32, image={"filename": "b.png", "data": PNG}),
        item(
            "avec-script",
            UID="1" * 32,
            text={"data": "<p>Bonjour</p><script>document.cookie</script>"},
        ),
    ]
    before_pages = Page.objects.count()
    report, _output, error = run(write(tmp_path, items), tmp_path)
    outcomes = by_path(report)
    assert "en échec" in error
    assert page("premiere").title == "Première"
    assert "UID en double" in report["items"][1]["message"]
    assert report["items"][1]["status"] == "failed"
    assert outcomes["/sondage"]["status"] == "skipped"
    assert report["summary"]["unknown_types"] == {"PloneFormGen": 1}
    assert "base64 illisibles" in outcomes["/illisible.png"]["message"]
    assert "n'est pas une image" in outcomes["/texte.png"]["message"]
    assert "hors du dossier des blobs" in outcomes["/evasion.pdf"]["message"]
    # The news item failed with its image: neither the page nor any image was written.
    assert outcomes["/actu"]["status"] == "failed"
    assert not Page.objects.filter(slug="actu").exists()
    assert get_image_model().objects.count() == 1  # bonne.png only
    assert outcomes["/bonne.png"]["status"] == "created"
    scripted = page("avec-script")
    assert "cookie" not in json.dumps(list(scripted.body.raw_data))
    assert "<script>" in outcomes["/avec-script"]["warnings"][0]
    assert Page.objects.count() == before_pages + 2


def test_an_export_given_as_a_file_with_short_names(tmp_path, home):
    items = [
        item("dossier", "Folder", UID="a" * 32),
        item(
            "dossier/b",
            UID="b" * 32,
            parent={"@id": f"{SITE}/dossier", "@type": "Folder", "UID": "a" * 32},
        ),
        item(
            "dossier/a",
            UID="c" * 32,
            parent={"@id": f"{SITE}/dossier", "@type": "Folder", "UID": "a" * 32},
        ),
    ]
    folder = write(tmp_path, items)
    (folder / "ordering.json").write_text(
        json.dumps([{"uuid": "c" * 32, "order": 0}, {"uuid": "b" * 32, "order": 1}])
    )
    report, _output, error = run(folder / "content.json", tmp_path)
    assert error == ""
    assert [p.slug for p in page("dossier").get_children()] == ["a", "b"]
    assert report["summary"]["counts"] == {"created": 3}


# API ----------------------------------------------------------------------------------------


def test_imported_pages_are_served_and_events_are_in_the_api(imported, client):
    forum = page("forum-reinsertion-2020")
    data = client.get(f"/api/v3/pages/{forum.pk}/").json()
    assert data["start"].startswith("2020-03-14T")
    assert data["location"] == "Maison des associations, Amiens"
    assert data["whole_day"] is False
    assert data["end"].startswith("2020-03-14T")
    response = client.get(forum.url)
    assert response.status_code == 200
    assert "Maison des associations, Amiens" in response.content.decode()
    listing = client.get(page("nos-etablissements").url).content.decode()
    assert "CHRS d&#x27;Amiens" in listing or "CHRS d'Amiens" in listing
    assert client.get(page("chrs-amiens").url).status_code == 200
    assert client.get(page("projet-interne").url).status_code == 404


# The tree and Wagtail's bookkeeping ---------------------------------------------------------


def tree_problems() -> tuple:
    """treebeard's own check: bad paths, orphans, wrong depths, wrong numbers of children."""
    return tuple(tuple(sorted(map(str, ids))) for ids in Page.find_problems())


@pytest.mark.parametrize("flush_every", [1000, 3])
def test_search_references_and_history_follow_the_import(
    export, tmp_path, home, client, monkeypatch, flush_every
):
    """Wagtail's bookkeeping, done in bulk after the items' transactions (at the end, or every
    few items on a long import), is the same as if each page had been saved in the admin."""
    monkeypatch.setattr(bulk, "FLUSH_EVERY", flush_every)
    run(export, tmp_path)
    assert tree_problems() == ((), (), (), (), ())
    history = page("histoire")
    chrs = page("chrs-amiens")
    # The search index: the page is found by a word of its body.
    assert history.pk in [p.pk for p in Page.objects.live().search("Ouverture")]
    assert chrs.pk in [p.pk for p in Page.objects.live().search("Amiens")]
    # The reference index: the history page links to the CHRS page, shows an image, links a file.
    facade = get_image_model().objects.get(title="Façade du CHRS d'Amiens")
    leaflet = get_document_model().objects.get(title="Plaquette de présentation")
    for target in (chrs, facade, leaflet):
        sources = ReferenceIndex.get_references_to(target).values_list("object_id", flat=True)
        assert str(history.pk) in sources, target
    # The history: a "created" entry per page, never two.
    created = PageLogEntry.objects.filter(action="wagtail.create")
    assert created.filter(page=history).count() == 1
    assert created.filter(page=chrs).count() == 1
    run(export, tmp_path)
    assert created.filter(page=history).count() == 1
    # The admin edits an imported page (it has no revision yet).
    login(client, UserFactory(is_superuser=True, is_staff=True))
    assert client.get(f"/admin/pages/{history.pk}/edit/").status_code == 200


def test_a_page_added_by_someone_else_meanwhile_is_not_overwritten(tmp_path, home):
    """The import keeps the tree in memory; a page added meanwhile under the same parent takes
    the path the import would have given next: the item is tried again, with the tree read
    again, and nothing is lost."""
    items = [item(name, UID=uid * 32) for name, uid in (("un", "a"), ("deux", "b"), ("trois", "c"))]
    folder = write(tmp_path, items)
    added = []

    def progress(phase, _count):
        if phase == "" and not added and PloneItem.objects.filter(uid="a" * 32).exists():
            added.append(StandardPage(title="Ajoutée par une éditrice", slug="ajoutee"))
            Page.objects.get(pk=home.pk).add_child(instance=added[0])

    summary = PloneImporter(Export.locate(folder), home, progress=progress).run(lambda _o: None)
    assert summary.counts == {"created": 3}
    children = Page.objects.get(pk=home.pk).get_children()
    assert [p.slug for p in children][-4:] == ["un", "ajoutee", "deux", "trois"]
    assert tree_problems() == ((), (), (), (), ())


def test_new_pages_are_validated_as_wagtail_would(tmp_path, home):
    """A live page is validated whole (its model's clean() too), a draft only for its title, as
    Wagtail's own save does; a refused page leaves nothing behind."""
    event = {"start": "2020-03-14T17:00:00+01:00", "end": "2020-03-14T09:00:00+01:00"}
    items = [
        item("a-l-envers", "Event", UID="a" * 32, **event),
        item("brouillon-a-l-envers", "Event", UID="b" * 32, review_state="visible", **event),
    ]
    before = counts()
    report, _output, error = run(write(tmp_path, items), tmp_path)
    outcomes = by_path(report)
    assert "1 élément(s) en échec" in error
    assert outcomes["/a-l-envers"]["status"] == "failed"
    assert "La fin ne peut pas précéder le début." in outcomes["/a-l-envers"]["message"]
    assert outcomes["/brouillon-a-l-envers"]["status"] == "created"
    assert not page("brouillon-a-l-envers").live
    assert counts()[0] == before[0] + 1
    assert tree_problems() == ((), (), (), (), ())


def test_an_existing_redirect_at_an_old_address_is_pointed_at_the_import(tmp_path, home):
    Redirect.objects.create(old_path="/une-page/view", redirect_link="https://ailleurs.example")
    report, _output, _error = run(write(tmp_path, [item("une-page")]), tmp_path)
    redirect = Redirect.objects.get(old_path="/une-page/view")
    assert redirect.redirect_page_id == page("une-page").pk
    assert redirect.redirect_link == ""
    assert report["summary"]["redirects_created"] == 0  # it was there already


def test_the_benchmark_imports_then_leaves_nothing_behind(home):
    from io import StringIO

    before = (*counts(), Tag.objects.count(), Page.objects.get(pk=home.pk).numchild)
    out = StringIO()
    call_command("benchmark_plone_import", "--items", "40", stdout=out)
    assert "40 éléments" in out.getvalue()
    assert "éléments/s" in out.getvalue()
    assert "par élément" in out.getvalue()
    assert "Mémoire : pic du processus" in out.getvalue()
    assert (*counts(), Tag.objects.count(), Page.objects.get(pk=home.pk).numchild) == before
    with connection.cursor() as cursor:  # the session's commits wait for the disk again
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)


# Subjects, languages --------------------------------------------------------------------------


def set_subjects(export, plone_id, subjects):
    content = json.loads((export / "Plone.json").read_text())
    for entry in content:
        if entry["id"] == plone_id:
            entry["subjects"] = subjects
    (export / "Plone.json").write_text(json.dumps(content))


def test_subjects_become_tags_shown_by_the_api(imported, client):
    chrs = page("chrs-amiens")
    assert sorted(chrs.tags.names()) == ["Amiens", "CHRS"]
    assert sorted(page("histoire").tags.names()) == ["Association", "Histoire"]
    assert list(page("inauguration-ilot-gourmand").tags.names()) == ["Insertion"]
    assert not page("forum-reinsertion-2020").tags.exists()
    data = client.get(f"/api/v3/pages/{chrs.pk}/").json()
    assert sorted(data["tags"]) == ["Amiens", "CHRS"]
    news = page("inauguration-ilot-gourmand")
    assert client.get(f"/api/v3/pages/{news.pk}/").json()["tags"] == ["Insertion"]
    listing = client.get("/api/v3/pages/", {"type": "cms.StandardPage", "tags": "CHRS"}).json()
    assert [p["id"] for p in listing["items"]] == [chrs.pk]


def test_subjects_again_change_nothing_and_changed_subjects_change_the_tags(
    imported, export, tmp_path
):
    def tagging():
        return StandardPageTag.objects.count(), Tag.objects.count()

    before = tagging()
    report, _output, _error = run(export, tmp_path)
    assert by_path(report)["/nos-etablissements/chrs-amiens"]["status"] == "unchanged"
    assert tagging() == before

    # The same subjects, once more and in another order, with blanks: the same tags.
    set_subjects(export, "histoire", ["Histoire", " Association ", "histoire", ""])
    report, _output, _error = run(export, tmp_path)
    assert by_path(report)["/association/histoire"]["status"] == "unchanged"
    assert sorted(page("histoire").tags.names()) == ["Association", "Histoire"]

    # One subject removed, one added: only the tags change.
    set_subjects(export, "chrs-amiens", ["CHRS", "Hébergement d'urgence"])
    report, _output, _error = run(export, tmp_path)
    outcome = by_path(report)["/nos-etablissements/chrs-amiens"]
    assert (outcome["status"], outcome["changes"]) == ("updated", ["tags"])
    assert sorted(page("chrs-amiens").tags.names()) == ["CHRS", "Hébergement d'urgence"]
    assert StandardPageTag.objects.count() == before[0]
    report, _output, _error = run(export, tmp_path)
    assert by_path(report)["/nos-etablissements/chrs-amiens"]["status"] == "unchanged"

    # No subjects any more: no tags.
    set_subjects(export, "chrs-amiens", [])
    run(export, tmp_path)
    assert not page("chrs-amiens").tags.exists()


MULTILINGUAL = [("fr", "Français"), ("en", "English")]


def test_languages_become_locales_on_a_multilingual_site(tmp_path, home, settings):
    settings.WAGTAIL_I18N_ENABLED = True
    settings.LANGUAGES = settings.WAGTAIL_CONTENT_LANGUAGES = MULTILINGUAL
    items = [
        item("bonjour", language="fr"),
        item("hello", language="en-gb"),
        item("hallo", language="de"),
        item("sans-langue", language=""),
    ]
    assert not Locale.objects.filter(language_code="en").exists()
    report, _output, error = run(write(tmp_path, items), tmp_path)
    assert error == ""
    outcomes = by_path(report)
    assert page("hello").locale.language_code == "en"  # the Locale is created once
    assert page("bonjour").locale.language_code == "fr"
    assert page("sans-langue").locale.language_code == "fr"  # its parent's
    assert page("hallo").locale.language_code == "fr"
    assert "Langue « de » absente des langues du site" in outcomes["/hallo"]["warnings"][0]
    assert "warnings" not in outcomes["/hello"]
    locales = Locale.objects.count()
    report, _output, _error = run(write(tmp_path, items), tmp_path)
    assert {i["status"] for i in report["items"]} == {"unchanged"}
    assert Locale.objects.count() == locales

    # A page whose language changed in Plone changes locale.
    items[1]["language"] = "fr"
    report, _output, _error = run(write(tmp_path, items), tmp_path)
    assert by_path(report)["/hello"]["changes"] == ["locale"]
    assert page("hello").locale.language_code == "fr"


def test_languages_are_ignored_and_reported_on_a_monolingual_site(tmp_path, home, settings):
    settings.WAGTAIL_I18N_ENABLED = False
    items = [item("bonjour", language="fr-fr"), item("hello", language="en")]
    report, _output, error = run(write(tmp_path, items), tmp_path)
    assert error == ""
    outcomes = by_path(report)
    assert page("hello").locale.language_code == page("bonjour").locale.language_code == "fr"
    assert outcomes["/hello"]["status"] == "created"
    assert outcomes["/hello"]["warnings"] == [
        "Langue « en » ignorée : le site n'est pas multilingue (WAGTAIL_I18N_ENABLED)."
    ]
    assert "warnings" not in outcomes["/bonjour"]  # the site's own language: nothing to say
    assert not Locale.objects.filter(language_code="en").exists()


# Files by their address (--download) ----------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        QuietHandler.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def web(tmp_path):
    """A real HTTP server, in a thread, serving a folder: (folder, its address)."""
    folder = tmp_path / "www"
    folder.mkdir()
    QuietHandler.requests = []
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def downloads(address: str) -> list[dict]:
    def media(name, portal_type, uid, url):
        field = "image" if portal_type == "Image" else "file"
        return item(name, portal_type, UID=uid * 32, **{field: {"filename": name, "download": url}})

    return [
        media("photo.png", "Image", "a", f"{address}/photo.png"),
        media("rapport.pdf", "File", "b", f"{address}/rapport.pdf"),
        media("absente.png", "Image", "c", f"{address}/absente.png"),
        media("texte.png", "Image", "d", f"{address}/texte.png"),
        media("lourd.pdf", "File", "e", f"{address}/lourd.pdf"),
        media("local.pdf", "File", "f", "file:///etc/passwd"),
    ]


def test_files_given_by_address_are_downloaded_with_download(web, tmp_path, home, settings):
    folder, address = web
    (folder / "photo.png").write_bytes(base64.b64decode(PNG))
    (folder / "rapport.pdf").write_bytes(b"%PDF-1.4 rapport")
    (folder / "texte.png").write_text("ceci n'est pas une image")
    (folder / "lourd.pdf").write_bytes(b"%PDF-1.4 " + b"0" * 4096)
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    report, _output, error = run(write(tmp_path, downloads(address)), tmp_path, "--download")
    outcomes = by_path(report)
    assert "4 élément(s) en échec" in error

    assert outcomes["/photo.png"]["status"] == "created"
    photo = get_image_model().objects.get(title="photo.png")
    assert (photo.width, photo.height) == (1, 1)
    assert outcomes["/rapport.pdf"]["status"] == "created"
    assert get_document_model().objects.get().file.read() == b"%PDF-1.4 rapport"

    assert "Téléchargement impossible" in outcomes["/absente.png"]["message"]
    assert "404" in outcomes["/absente.png"]["message"]
    assert "n'est pas une image lisible" in outcomes["/texte.png"]["message"]
    assert (
        "dépasse la taille acceptée pour un envoi (1,0\xa0Kio)"
        in (outcomes["/lourd.pdf"]["message"])
    )
    assert "Adresse de téléchargement refusée" in outcomes["/local.pdf"]["message"]
    assert sorted(QuietHandler.requests) == [
        "/absente.png",
        "/lourd.pdf",
        "/photo.png",
        "/rapport.pdf",
        "/texte.png",
    ]
    assert get_image_model().objects.count() == 1
    assert get_document_model().objects.count() == 1


def test_files_given_by_address_are_not_fetched_without_download(web, tmp_path, home):
    folder, address = web
    (folder / "photo.png").write_bytes(base64.b64decode(PNG))
    report, _output, error = run(write(tmp_path, downloads(address)[:1]), tmp_path)
    assert "1 élément(s) en échec" in error
    assert "relancez avec --download" in by_path(report)["/photo.png"]["message"]
    assert QuietHandler.requests == []
    assert not get_image_model().objects.exists()
