"""HTML to PDF: the one path for the documents handed out on paper (certificate, receipt).

WeasyPrint lays out a Django template with its print CSS; it needs Pango, HarfBuzz and fonts
from the system (README, "Installation": `libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b
fonts-dejavu-core`). No file is fetched from the network: the templates inline their styles
and images (the QR code is inline SVG)."""

from django.http import HttpResponse
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict, request=None) -> bytes:
    """The template as PDF. Only inline images (data: URIs) are read: no file, no network."""
    from weasyprint import HTML, URLFetcher  # imported late: loading Pango takes a moment

    html = render_to_string(template, context, request=request)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
