"""HTML: BeautifulSoup (html.parser) walked in document order into text, table and image blocks."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, CData, NavigableString, Tag

from postgraph.ingest.documents import Block
from postgraph.ingest.parsers.common import (
    Extracted,
    ParseContext,
    decode_utf8,
    drop_hidden_elements,
    hidden_classes,
    image_block,
    lenient_date,
    squash,
    squash_lines,
    table_block,
    text_block,
)

# Elements whose content is never reader-facing text.
_DROPPED = ("script", "style", "noscript", "template", "iframe", "svg")
_SKIPPED_WALK = frozenset({"head", "title", "meta", "link", "base"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_TEXT_BLOCKS = frozenset({"p", "blockquote", "pre"})
_LISTS = frozenset({"ul", "ol"})
_MAX_COLSPAN = 50
_WHITESPACE = re.compile(r"\s+")
# Elements that end the running paragraph of loose text; anything else is treated as inline.
_BLOCK_LEVEL = frozenset({
    "address", "article", "aside", "body", "center", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr",
    "html", "li", "main", "menu", "nav", "section", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "caption",
}) | _HEADINGS | _TEXT_BLOCKS | _LISTS


def parse_html(data: bytes, ctx: ParseContext) -> Extracted:
    """Parse a UTF-8 HTML file into blocks; scripts, styles and similar are dropped, and so is
    every element a reader would not see (hidden by attribute, inline style or stylesheet class)."""
    soup = BeautifulSoup(decode_utf8(data, ctx.path.name), "html.parser")
    hiding = hidden_classes("\n".join(tag.get_text() for tag in soup.find_all("style")))
    for tag in soup.find_all(_DROPPED):
        tag.decompose()
    result = Extracted(hidden_passages=drop_hidden_elements(soup, hiding))
    _read_meta(soup, result)
    _Walker(ctx, result).run(soup)
    return result


def _read_meta(soup: BeautifulSoup, result: Extracted) -> None:
    title = soup.find("title")
    h1 = soup.find("h1")
    result.title = (
        squash(title.get_text()) if isinstance(title, Tag) else ""
    ) or (squash(h1.get_text()) if isinstance(h1, Tag) else "") or None
    result.author = _meta_content(soup, name="author")
    # Machine-written dates in the wild vary; an unreadable one is ignored, not fatal.
    result.published = lenient_date(
        _meta_content(soup, name="date") or _meta_content(soup, property="article:published_time")
    )


def _meta_content(soup: BeautifulSoup, **attrs: str) -> str | None:
    for meta in soup.find_all("meta", attrs=attrs):
        content = squash(str(meta.get("content") or ""))
        if content:
            return content
    return None


def _is_page_text(node: Tag | NavigableString) -> bool:
    """True for text nodes that are page text (not comments, doctypes or processing info)."""
    return type(node) in (NavigableString, CData)


def _spaces(text: str) -> str:
    """HTML whitespace collapsing: any run of whitespace, newlines included, is one space."""
    return _WHITESPACE.sub(" ", text)


def _element_text(tag: Tag, *, keep_lines: bool = False, skip: frozenset[str] = frozenset()) -> str:
    """Readable text of an element: <br> and nested block elements start new lines.

    `skip` names descendant elements whose text belongs elsewhere (nested lists, tables).
    """
    parts: list[str] = []

    def visit(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                if child.name in skip:
                    continue
                if child.name == "br" or child.name in _BLOCK_LEVEL:
                    parts.append("\n")
                visit(child)
                if child.name in _BLOCK_LEVEL:
                    parts.append("\n")
            elif _is_page_text(child):
                # Source line breaks are just spaces in HTML, except inside <pre>.
                parts.append(str(child) if keep_lines else _spaces(str(child)))

    visit(tag)
    text = "".join(parts)
    if keep_lines:  # <pre>: keep indentation, only trim line ends and outer blank lines
        return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    return squash_lines(text)


class _Walker:
    """Emits blocks in document order, gathering loose text (bare text in divs) into paragraphs."""

    def __init__(self, ctx: ParseContext, result: Extracted) -> None:
        self.ctx = ctx
        self.result = result
        self.section: str | None = None
        self.loose: list[str] = []

    def run(self, root: BeautifulSoup) -> None:
        self._visit_children(root)
        self._flush()

    def _add(self, block: Block | None) -> None:
        if block is not None:
            self.result.blocks.append(block)

    def _flush(self) -> None:
        text = squash_lines("".join(self.loose))
        self.loose.clear()
        self._add(text_block(text, self.section))

    def _images_in(self, tag: Tag) -> None:
        for img in tag.find_all("img"):
            self._image(img)

    def _image(self, img: Tag) -> None:
        self._add(image_block(_attr(img, "src"), _attr(img, "alt"), self.ctx, self.section))

    def _visit_children(self, node: Tag) -> None:
        for child in list(node.children):
            if isinstance(child, Tag):
                self._visit(child)
            elif _is_page_text(child):
                self.loose.append(_spaces(str(child)))

    def _visit(self, tag: Tag) -> None:
        name = tag.name
        if name in _SKIPPED_WALK:
            return
        if name == "br":
            self.loose.append("\n")
        elif name == "img":
            self._flush()
            self._image(tag)
        elif name in _HEADINGS:
            self._flush()
            heading = _element_text(tag).replace("\n", " ")
            self.section = heading or self.section
            if heading and self.result.first_heading is None:
                self.result.first_heading = heading
            self._images_in(tag)
        elif name in _TEXT_BLOCKS:
            self._flush()
            self._add(text_block(_element_text(tag, keep_lines=name == "pre"), self.section))
            self._images_in(tag)
        elif name in _LISTS:
            self._flush()
            self._add(text_block("\n".join(_list_lines(tag, depth=0)), self.section))
            self._images_in(tag)
        elif name == "table":
            self._flush()
            self._add(table_block(_table_rows(tag), self.section))
            self._images_in(tag)
        elif name in _BLOCK_LEVEL:
            self._flush()  # a div boundary ends the paragraph of loose text before it
            self._visit_children(tag)
            self._flush()
        else:
            self._visit_children(tag)  # inline markup: its text joins the running paragraph


def _attr(tag: Tag, name: str) -> str | None:
    value = tag.get(name)
    if isinstance(value, list):  # multi-valued attributes come back as lists
        value = " ".join(value)
    return value


def _list_lines(tag: Tag, depth: int) -> list[str]:
    """A list as "- item" lines (ordered lists numbered); nested lists are indented."""
    lines: list[str] = []
    indent = "  " * depth
    ordered = tag.name == "ol"
    number = _int_attr(tag, "start", 1)
    for item in tag.find_all("li", recursive=False):
        text = _element_text(item, skip=_LISTS).replace("\n", " ")
        marker = f"{number}." if ordered else "-"
        lines.append(f"{indent}{marker} {text}".rstrip())
        number += 1
        for nested in item.find_all(_LISTS):
            if nested.find_parent("li") is item:  # only lists directly under this item
                lines.extend(_list_lines(nested, depth + 1))
    # Content placed straight in the list (invalid but common) must not vanish.
    stray = [c for c in tag.children if isinstance(c, Tag) and c.name not in ("li", *_LISTS)]
    lines.extend(f"{indent}{text}" for c in stray if (text := _element_text(c)))
    return lines


def _int_attr(tag: Tag, name: str, default: int) -> int:
    try:
        return int(str(tag.get(name, default)))
    except ValueError:
        return default


def _table_rows(table: Tag) -> list[list[str]]:
    """Rows of th/td cells of this table (not of tables nested in it): thead, body, tfoot."""
    head: list[list[str]] = []
    body: list[list[str]] = []
    foot: list[list[str]] = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells: list[str] = []
        for cell in tr.find_all(("th", "td"), recursive=False):
            cells.append(_element_text(cell).replace("\n", " "))
            # Pad spanned columns so later cells stay under their headers.
            # (capped: a hostile colspan="100000" must not blow up the row).
            cells.extend([""] * min(_int_attr(cell, "colspan", 1) - 1, _MAX_COLSPAN))
        if not cells:
            continue
        group = tr.find_parent(("thead", "tbody", "tfoot", "table"))
        target = {"thead": head, "tfoot": foot}.get(group.name if group else "", body)
        target.append(cells)
    return head + body + foot
