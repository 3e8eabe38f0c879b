"""A fetched body as the text a reader sees: HTML's visible text, plain text, a PDF's text.

The figures a moderator looks for are in what a page shows, not in its markup: scripts,
styles and the TeX a math formula carries for screen readers would only add numbers
nobody reads. Block elements end a line, so a sentence never runs into the next cell or
heading. Everything here is blocking CPU work on up to the body cap (10 MB): callers run
it off the event loop (``asyncio.to_thread``).
"""

from __future__ import annotations

import io
import logging
import re
from html.parser import HTMLParser

log = logging.getLogger(__name__)

#: Elements whose content is never shown as text.
_HIDDEN = frozenset(
    {"script", "style", "noscript", "template", "head", "svg", "annotation", "annotation-xml"}
)
#: Elements that start and end a line of their own.
_BLOCKS = frozenset(
    {
        *"p div section article header footer main aside nav blockquote pre figure".split(),
        *"figcaption table thead tbody tr td th caption ul ol li dl dt dd form".split(),
        *"h1 h2 h3 h4 h5 h6 br hr title".split(),
    }
)
#: Elements that never have an end tag: they cannot hide anything after them.
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
#: A PDF's pages read at most: sizes are stated early (abstract, introduction, a data
#: section), and a 500-page report would otherwise hold a check for minutes.
MAX_PDF_PAGES = 60
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PLAIN_TYPES = frozenset(
    {"text/plain", "text/markdown", "text/x-markdown", "text/csv", "application/json"}
)
_BLANKS = re.compile(r"[ \t\u00a0\u202f]+")
_MANY_LINES = re.compile(r"\n\s*\n\s*(?:\n\s*)+")


class NotText(ValueError):
    """The body is not a page of text (an image, an archive...): the message says what."""


class _Visible(HTMLParser):
    """Collects the text a browser would show; character references decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag in _BLOCKS:
                self.parts.append("\n")
            return
        if tag == "body":  # a page that never closed its <head>: its body still shows
            self._hidden.clear()
        elif tag in _HIDDEN:
            self._hidden.append(tag)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            if tag in self._hidden:  # close it and anything left open inside it
                while self._hidden and self._hidden.pop() != tag:
                    pass
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def tidy(text: str) -> str:
    """Runs of spaces as one, at most one blank line between paragraphs."""
    lines = (_BLANKS.sub(" ", line).strip() for line in text.splitlines())
    return _MANY_LINES.sub("\n\n", "\n".join(lines)).strip()


def html_text(markup: str) -> str:
    """The visible text of an HTML page, one line per block."""
    parser = _Visible()
    try:
        parser.feed(markup)
        parser.close()
    except AssertionError:  # html.parser's word for a declaration it cannot parse: keep
        pass  # the text read up to it, as a browser would show the page up to there
    return tidy("".join(parser.parts))


def decode(body: bytes) -> str:
    """UTF-8 as the web mostly is; a body that is not is read as Windows-1252 (Latin-1)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def pdf_text(body: bytes, max_pages: int = MAX_PDF_PAGES) -> str:
    """The text of a PDF's first ``max_pages`` pages (:class:`NotText` if it cannot be read)."""
    from pypdf import PdfReader  # imported here: only PDF sources need it

    try:
        reader = PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages[:max_pages]]
    except Exception as exc:  # a malformed PDF fails deep in pypdf, with any error at all
        raise NotText(f"the PDF could not be read ({exc.__class__.__name__}: {exc})") from None
    return tidy("\n\n".join(pages))


def page_text(body: bytes, content_type: str) -> str:
    """The text of a fetched body by its type: :class:`NotText` when it has none to read.

    A body without a useful type (``application/octet-stream``, none) is sniffed: a PDF
    by its ``%PDF-`` signature, HTML by its opening tag, anything that decodes as UTF-8
    as plain text.
    """
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/pdf" or body[:5] == b"%PDF-":
        return pdf_text(body)
    if kind in _HTML_TYPES:
        return html_text(decode(body))
    if kind in _PLAIN_TYPES or kind.startswith("text/") or kind.endswith(("+xml", "/xml")):
        return tidy(decode(body))
    if kind in ("", "application/octet-stream", "binary/octet-stream"):
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            return html_text(decode(body))
        try:
            return tidy(body.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    raise NotText(f"it is {kind or 'of no stated type'}, not a page of text or a PDF")
