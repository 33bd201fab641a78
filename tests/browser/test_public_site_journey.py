import re

from playwright.sync_api import expect

from accounts import demo as accounts_demo
from cms import demo as cms_demo


def test_visitor_browses_home_establishment_glossary_and_search(page, assert_accessible):
    accounts_demo.load()
    cms_demo.load()

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    menu = page.get_by_role("navigation", name="Navigation principale")
    menu.get_by_role("link", name=re.compile("établissements", re.IGNORECASE)).click()
    expect(page.get_by_role("link", name="CHRS Chemin Vert")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="CHRS Chemin Vert").click()
    expect(page.get_by_role("heading", name="CHRS Chemin Vert", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Fil d'Ariane")).to_be_visible()
    expect(page.locator("main")).to_contain_text("PSE")
    assert_accessible(page)

    menu.get_by_role("link", name="Glossaire").click()
    expect(page.get_by_role("heading", name="Glossaire", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("bracelet électronique")
    assert_accessible(page)

    page.goto("/recherche/?q=bracelet")
    results = page.locator("main")
    expect(results.get_by_role("link", name="CHRS Chemin Vert").first).to_be_visible()
    assert_accessible(page)
