"""Plone rich text (TinyMCE HTML) to the blocks of ``cms.blocks.BodyBlock``.

Headings become heading blocks, images image blocks, tables table blocks and YouTube, Vimeo or
PeerTube iframes embed blocks; the rest becomes paragraph blocks in Wagtail's rich text database
format, limited to what the paragraph editor holds (paragraphs, bold, italic, lists, links).
Links and image sources are resolved by the caller (``Resolver``): Plone's ``resolveuid/<UID>``,
relative and absolute links and image scales (``@@images/image/preview``) become Wagtail page,
document and image references. What the editor cannot hold (scripts, styles, forms, unknown
iframes) is dropped, and each drop is reported.
"""

import html
import re
import uuid
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

BLOCK_ID_NAMESPACE = uuid.UUID("3f0c7b1e-9a55-4a43-8a8e-2f7d0c1b5e11")

# Dropped with their content, and reported.
DROPPED = {
    "script",
    "style",
    "noscript",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "svg",
    "canvas",
    "link",
    "meta",
    "template",
}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
CONTAINERS = {
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "nav",
    "blockquote",
    "center",
    "span",
    "font",
    "body",
    "html",
    "dl",
    "address",
}
# Elements that cannot stay inside a paragraph: a paragraph holding one is split around it.
BREAKING = {"img", "iframe", "table", "figure", *HEADINGS}
BOLD = {"b", "strong"}
ITALIC = {"i", "em", "cite"}


@dataclass(frozen=True)
class Link:
    """Where a link leads here: a page or document by id, or an address."""

    linktype: str  # "page", "document" or "url"
    target: str


# The target is in the export but not imported yet: the caller converts the text again later.
PENDING = object()


class Resolver(Protocol):
    def link(self, href: str):
        """A ``Link`` for an internal link, None if it is not internal or cannot be found,
        ``PENDING`` if its target is imported later."""

    def image(self, src: str):
        """The Wagtail image id for an image source, None if not found, or ``PENDING``."""


@dataclass
class Conversion:
    blocks: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def embed_url(src: str) -> str | None:
    """The public address of a YouTube, Vimeo or PeerTube player, None for other iframes."""
    parts = urlsplit(src if "//" in src else "")
    host = (parts.hostname or "").lower()
    path = parts.path
    if host.endswith(("youtube.com", "youtube-nocookie.com")):
        match = re.match(r"^/embed/([\w-]+)", path)
        if match:
            return f"https://www.youtube.com/watch?v={match.group(1)}"
        video = parse_qs(parts.query).get("v")
        return f"https://www.youtube.com/watch?v={video[0]}" if video else None
    if host == "youtu.be":
        return f"https://www.youtube.com/watch?v={path.strip('/')}" if path.strip("/") else None
    if host.endswith("vimeo.com"):
        match = re.search(r"/(?:video/)?(\d+)", path)
        return f"https://vimeo.com/{match.group(1)}" if match else None
    match = re.match(r"^/videos/embed/([\w-]+)", path)
    if match and host:  # PeerTube, on any instance
        return f"https://{host}/w/{match.group(1)}"
    return None


def text_to_html(text: str) -> str:
    """Plain text (``text/plain``, markdown kept as text) as paragraphs."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(
        "<p>" + "<br/>".join(html.escape(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


class HtmlConverter:
    def __init__(self, resolver: Resolver, seed: str):
        self.resolver = resolver
        self.seed = seed

    def convert(self, source: str) -> Conversion:
        self.result = Conversion()
        self.paragraph: list[str] = []  # block-level HTML of the paragraph block being built
        self.loose: list[str] = []  # inline HTML outside any <p>, wrapped in one when flushed
        soup = BeautifulSoup(source or "", "html.parser")
        self.walk(soup)
        self.flush()
        return self.result

    # Output ----------------------------------------------------------------------------

    def warn(self, message: str):
        if message not in self.result.warnings:
            self.result.warnings.append(message)

    def emit(self, block_type: str, value):
        block_id = uuid.uuid5(BLOCK_ID_NAMESPACE, f"{self.seed}:{len(self.result.blocks)}")
        self.result.blocks.append({"type": block_type, "value": value, "id": str(block_id)})

    def flush_loose(self):
        content = "".join(self.loose).strip()
        self.loose = []
        if _has_text(content):
            self.paragraph.append(f"<p>{content}</p>")

    def flush(self):
        self.flush_loose()
        if self.paragraph:
            self.emit("paragraph", "".join(self.paragraph))
            self.paragraph = []

    # Block level -----------------------------------------------------------------------

    def walk(self, node):
        for child in list(node.children):
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if str(child).strip():
                    self.loose.append(html.escape(str(child), quote=False))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in DROPPED:
                self.warn(f"Élément <{name}> supprimé (l'éditeur ne peut pas le contenir).")
            elif name in HEADINGS:
                self.flush()
                self.heading(child)
            elif name == "img":
                self.flush()
                self.image(child)
            elif name == "figure":
                self.flush()
                self.figure(child)
            elif name == "iframe":
                self.flush()
                self.iframe(child)
            elif name == "table":
                self.flush()
                self.table(child)
            elif name == "hr":
                self.flush()
            elif name == "p":
                if child.find(BREAKING):
                    self.flush_loose()
                    self.walk(child)
                    self.flush_loose()
                else:
                    self.flush_loose()
                    content = self.inline(child).strip()
                    if _has_text(content):
                        self.paragraph.append(f"<p>{content}</p>")
            elif name in ("ul", "ol"):
                self.flush_loose()
                content = self.list(child)
                if content:
                    self.paragraph.append(content)
            elif name == "pre":
                self.flush_loose()
                self.paragraph.append(text_to_html(child.get_text()))
            elif name in CONTAINERS or child.find(BREAKING):
                self.walk(child)
                if name not in ("span", "font"):
                    self.flush_loose()
            else:
                self.loose.append(self.inline_element(child))

    def heading(self, node: Tag):
        text = " ".join(node.get_text(" ").split())[:200]
        if text:
            level = "h2" if node.name.lower() in ("h1", "h2") else "h3"
            self.emit("heading", {"level": level, "text": text})

    def image(self, node: Tag, caption: str = ""):
        src = node.get("src") or ""
        image_id = self.resolver.image(src)
        if image_id is PENDING:
            return
        if image_id is None:
            self.warn(f"Image introuvable, non reprise : {src[:200]}.")
            return
        alt = " ".join((node.get("alt") or "").split())[:300]
        self.emit(
            "image",
            {"image": image_id, "alt": alt, "decorative": not alt, "caption": caption[:300]},
        )

    def figure(self, node: Tag):
        caption_node = node.find("figcaption")
        caption = " ".join(caption_node.get_text(" ").split()) if caption_node else ""
        image = node.find("img")
        if image is not None:
            self.image(image, caption)
        elif caption:
            self.paragraph.append(f"<p>{html.escape(caption, quote=False)}</p>")
            self.flush()

    def iframe(self, node: Tag):
        src = node.get("src") or ""
        url = embed_url(src)
        if url is None:
            self.warn(f"Contenu intégré (iframe) supprimé : {src[:200] or 'sans adresse'}.")
            return
        title = " ".join((node.get("title") or "").split())[:200] or "Vidéo"
        self.emit("embed", {"embed": url, "title": title, "caption": ""})

    def table(self, node: Tag):
        rows, header_cells = [], []
        for row in node.find_all("tr"):
            if row.find_parent("table") is not node:
                continue  # a nested table's rows
            cells = row.find_all(["th", "td"], recursive=False)
            rows.append([" ".join(cell.get_text(" ").split()) for cell in cells])
            header_cells.append([cell.name == "th" for cell in cells])
        if not rows:
            return
        width = max(len(row) for row in rows)
        data = [row + [""] * (width - len(row)) for row in rows]
        first_row_header = bool(node.find("thead")) or (
            bool(header_cells[0]) and all(header_cells[0])
        )
        body_flags = header_cells[1:] if first_row_header else header_cells
        first_col_header = bool(body_flags) and all(flags and flags[0] for flags in body_flags)
        caption_node = node.find("caption")
        caption = " ".join(caption_node.get_text(" ").split()) if caption_node else ""
        choice = {
            (True, True): "both",
            (True, False): "row",
            (False, True): "column",
            (False, False): "neither",
        }[(first_row_header, first_col_header)]
        self.emit(
            "table",
            {
                "data": data,
                "first_row_is_table_header": first_row_header,
                "first_col_is_header": first_col_header,
                "table_header_choice": choice,
                "table_caption": caption,
            },
        )

    # Inline level ----------------------------------------------------------------------

    def list(self, node: Tag) -> str:
        items = []
        for item in node.find_all("li", recursive=False):
            nested = "".join(self.list(sub) for sub in item.find_all(["ul", "ol"], recursive=False))
            for sub in item.find_all(["ul", "ol"], recursive=False):
                sub.extract()
            content = self.inline(item).strip()
            if _has_text(content) or nested:
                items.append(f"<li>{content}{nested}</li>")
        name = node.name.lower()
        return f"<{name}>{''.join(items)}</{name}>" if items else ""

    def inline(self, node: Tag) -> str:
        parts = []
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                parts.append(html.escape(str(child), quote=False))
            elif isinstance(child, Tag):
                parts.append(self.inline_element(child))
        return "".join(parts)

    def inline_element(self, node: Tag) -> str:
        name = node.name.lower()
        if name in DROPPED:
            self.warn(f"Élément <{name}> supprimé (l'éditeur ne peut pas le contenir).")
            return ""
        if name == "br":
            return "<br/>"
        if name in ("img", "iframe", "table"):
            self.warn(f"Élément <{name}> dans un lien ou une liste : non repris.")
            return ""
        content = self.inline(node)
        if name in BOLD:
            return f"<b>{content}</b>" if content.strip() else content
        if name in ITALIC:
            return f"<i>{content}</i>" if content.strip() else content
        if name == "a":
            return self.anchor(node, content)
        if name in ("p", "div", "li"):
            return content + " "
        return content  # span, font, u, sub, sup, abbr…: the text only

    def anchor(self, node: Tag, content: str) -> str:
        href = (node.get("href") or "").strip()
        if not href or not content.strip():
            return content
        lowered = href.lower()
        if lowered.startswith(("javascript:", "data:", "vbscript:")):
            self.warn("Lien « javascript: » supprimé.")
            return content
        if lowered.startswith(("mailto:", "tel:")) or (href.startswith("#") and len(href) > 1):
            return f'<a href="{html.escape(href)}">{content}</a>'
        link = self.resolver.link(href)
        if link is PENDING:
            return content
        if link is None:
            if lowered.startswith(("http://", "https://")):
                return f'<a href="{html.escape(href)}">{content}</a>'
            self.warn(f"Lien interne introuvable, texte gardé sans lien : {href[:200]}.")
            return content
        if link.linktype == "url":
            return f'<a href="{html.escape(link.target)}">{content}</a>'
        return f'<a linktype="{link.linktype}" id="{link.target}">{content}</a>'


def _has_text(fragment: str) -> bool:
    return bool(re.sub(r"<[^>]+>", "", fragment).replace("&nbsp;", "").strip())
