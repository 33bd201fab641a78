"""The shared spreadsheet writer: a cell a spreadsheet would run as a formula is written as text,
in CSV and in XLSX; numbers stay numbers."""

import csv
import io

import openpyxl
import pytest

from core.exports import csv_response, neutralise, xlsx_response

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_cells_are_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["CHRS Les Augustins", "", "a=b", 12, -3, 4.5, None])
def test_other_values_are_left_alone(value):
    assert neutralise(value) == value


def test_csv_has_bom_semicolons_and_no_formula():
    response = csv_response("x.csv", [["Titre", "Nombre"], ["=1+1", -3]])
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows == [["Titre", "Nombre"], ["'=1+1", "-3"]]


def test_xlsx_stores_formulas_as_text_and_numbers_as_numbers():
    response = xlsx_response("x.xlsx", [["Titre", "Nombre"], ["=1+1", 3], ["bad\x01char", None]])
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "=1+1"
    assert sheet["A2"].data_type == "s"  # text: opening the file runs nothing
    assert sheet["B2"].value == 3
    assert sheet["B2"].data_type == "n"
    assert sheet["A3"].value == "badchar"  # characters XLSX cannot hold are dropped
    assert sheet.freeze_panes == "A2"


def test_every_spreadsheet_is_written_by_core_exports():
    """One writer neutralises formulas: no other module writes CSV or XLSX itself."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = re.compile(r"csv\.(?:writer|DictWriter)|openpyxl|xlsxwriter")
    offenders = [
        str(path.relative_to(root))
        for package in ("core", "accounts", "cms", "referrals", "portal")
        for path in (root / package).rglob("*.py")
        if path.name != "exports.py" and writers.search(path.read_text())
    ]
    assert offenders == []
