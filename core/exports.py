"""Tables for spreadsheets, as CSV or XLSX, safe to open.

A spreadsheet reads a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula ("CSV injection"): a person's name or an establishment's title typed as `=HYPERLINK(…)`
would run when a colleague opens the export. Every export goes through this module: in CSV such a
cell is prefixed with an apostrophe, in XLSX it is stored as text, never as a formula. Numbers
stay numbers."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """The value as a spreadsheet may safely read it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename: str, rows: Iterable[Sequence]) -> HttpResponse:
    """Semicolon-separated UTF-8 with a BOM, as the spreadsheets of French offices expect."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return _attachment(response, filename)


def xlsx_response(filename: str, rows: Iterable[Sequence], title: str = "") -> HttpResponse:
    """One sheet; the first row is the header, frozen. Text cells are stored as text."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.title = title[:31]  # Excel's limit
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = TYPE_STRING  # "=…" stays text: openpyxl made it a formula
            else:
                cell.value = value
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE), filename)
