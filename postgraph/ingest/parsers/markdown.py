"""Markdown: front matter for metadata, then markdown-it-py's token tree turned into blocks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from postgraph.ingest.documents import Block
from postgraph.ingest.parsers.common import (
    Extracted,
    ParseContext,
    clean_value,
    decode_utf8,
    drop_hidden_elements,
    hidden_html_element,
    image_block,
    parse_iso_date,
    squash,
    squash_lines,
    table_block,
    text_block,
)

_FENCE = "---"


class _ImageRef(NamedTuple):
    src: str
    alt: str


def parse_markdown(data: bytes, ctx: ParseContext) -> Extracted:
    """Parse a UTF-8 Markdown file (with optional `---` front matter) into blocks."""
    text = decode_utf8(data, ctx.path.name).replace("\r\n", "\n").replace("\r", "\n")
    result = Extracted()
    body = _read_front_matter(text, result, ctx)
    parser = MarkdownIt("commonmark").enable("table")
    tree = SyntaxTreeNode(parser.parse(body))
    _Walker(ctx, result).run(tree.children)
    return result


def _read_front_matter(text: str, result: Extracted, ctx: ParseContext) -> str:
    """Read `key: value` lines between leading `---` lines into result; return the body."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != _FENCE:
        return text
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == _FENCE)
    except StopIteration:
        return text  # no closing fence: the `---` is a thematic break, not front matter
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if not sep or line[:1].isspace():
            continue  # blank, comment-ish or nested lines carry nothing we read
        key, value = key.strip().lower(), clean_value(value)
        if key == "title":
            result.title = value or None
        elif key == "author":
            result.author = value or None
        elif key == "date" and value:
            result.published = parse_iso_date(
                value, field_name="date", where=f"{ctx.path.name} front matter"
            )
    return "\n".join(lines[end + 1 :])


class _Walker:
    """Turns top-level Markdown nodes into blocks, tracking the current section heading."""

    def __init__(self, ctx: ParseContext, result: Extracted) -> None:
        self.ctx = ctx
        self.result = result
        self.section: str | None = None

    def run(self, nodes: Iterable[SyntaxTreeNode]) -> None:
        for node in nodes:
            self._top_level(node)

    def _add(self, block: Block | None) -> None:
        if block is not None:
            self.result.blocks.append(block)

    def _add_images(self, images: list[_ImageRef]) -> None:
        for image in images:
            self._add(image_block(image.src, image.alt, self.ctx, self.section))

    def _top_level(self, node: SyntaxTreeNode) -> None:
        if node.type == "heading":
            heading = squash(_inline_text(node.children[0].token)[0]) if node.children else ""
            self.section = heading or None
            if heading and self.result.first_heading is None:
                self.result.first_heading = heading
        elif node.type == "table":
            images: list[_ImageRef] = []
            self._add(table_block(_table_rows(node, images), self.section))
            self._add_images(images)
        elif node.type in ("fence", "code_block"):
            self._add(text_block(node.content.rstrip(), self.section))
        elif node.type == "html_block":
            # Raw HTML in Markdown still carries readable text; keep what a reader sees, drop the tags.
            html_text, hidden = _visible_html_text(node.content)
            self.result.hidden_passages += hidden
            self._add(text_block(squash_lines(html_text), self.section))
        elif node.type in ("paragraph", "bullet_list", "ordered_list", "blockquote"):
            images = []
            lines = _render(node, images, depth=0)
            self.result.hidden_passages += _hidden_inline_elements(node)
            self._add(text_block("\n".join(lines), self.section))
            self._add_images(images)
        # hr and anything unknown carry no text


def _render(node: SyntaxTreeNode, images: list[_ImageRef], depth: int) -> list[str]:
    """Plain-text lines of a block node; images found on the way are appended to `images`."""
    if node.type == "inline":
        text, found = _inline_text(node.token)
        images.extend(found)
        return [line for line in (squash(part) for part in text.split("\n")) if line]
    if node.type in ("bullet_list", "ordered_list"):
        return _render_list(node, images, depth)
    if node.type in ("fence", "code_block"):
        return node.content.rstrip("\n").split("\n")
    if node.type == "html_block":
        return squash_lines(_visible_html_text(node.content)[0]).split("\n")
    if node.type == "table":
        return [" | ".join(row) for row in _table_rows(node, images)]
    lines: list[str] = []
    for child in node.children:
        lines.extend(_render(child, images, depth))
    return lines


def _render_list(node: SyntaxTreeNode, images: list[_ImageRef], depth: int) -> list[str]:
    """A list as "- item" lines (ordered lists keep their numbers); nested lists are indented."""
    lines: list[str] = []
    indent = "  " * depth
    number = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else None
    for item in node.children:
        marker = "-" if number is None else f"{number}."
        item_lines: list[str] = []
        nested: list[str] = []
        for child in item.children:
            if child.type in ("bullet_list", "ordered_list"):
                nested.extend(_render_list(child, images, depth + 1))
            else:
                item_lines.extend(_render(child, images, depth + 1))
        text = " ".join(item_lines)
        lines.append(f"{indent}{marker} {text}".rstrip())
        lines.extend(nested)
        if number is not None:
            number += 1
    return lines


def _table_rows(node: SyntaxTreeNode, images: list[_ImageRef]) -> list[list[str]]:
    """Cell texts of a pipe table, header row first (markdown-it emits thead before tbody)."""
    rows: list[list[str]] = []
    for section in node.children:  # thead, tbody
        for row in section.children:
            cells = []
            for cell in row.children:
                text = ""
                if cell.children:
                    text, found = _inline_text(cell.children[0].token)
                    images.extend(found)
                cells.append(squash(text))
            rows.append(cells)
    return rows


def _inline_text(inline: Token | None) -> tuple[str, list[_ImageRef]]:
    """Plain text of an inline token (markup dropped, link text kept) and the images in it.

    Hard breaks become newlines, soft breaks spaces: a wrapped source line is one line of prose.
    """
    if inline is None or not inline.children:
        return (inline.content if inline is not None else ""), []
    parts: list[str] = []
    images: list[_ImageRef] = []
    hidden_depth = 0  # inside inline HTML a reader would not see (<span style="display:none">)
    for token in inline.children:
        if token.type == "html_inline":
            hidden_depth = _inline_html_depth(token.content, hidden_depth)
        elif hidden_depth:
            continue
        elif token.type in ("text", "code_inline", "text_special"):
            parts.append(token.content)
        elif token.type == "softbreak":
            parts.append(" ")
        elif token.type == "hardbreak":
            parts.append("\n")
        elif token.type == "image":
            alt, _ = _inline_text(token)  # alt text is itself parsed inline markup
            images.append(_ImageRef(src=str(token.attrs.get("src", "")), alt=squash(alt)))
        # emphasis, link and visible inline-HTML tokens only wrap text; dropping them keeps the text
    return "".join(parts), images


def _hidden_inline_elements(node: SyntaxTreeNode) -> int:
    """Hidden inline HTML elements (whose text `_inline_text` leaves out) below a block node."""
    count = 0
    for child in node.walk():
        for token in (child.token.children or []) if child.type == "inline" and child.token else []:
            if token.type == "html_inline" and _inline_html_depth(token.content, 0) == 1:
                count += 1
    return count


def _visible_html_text(html: str) -> tuple[str, int]:
    """The text of an HTML fragment a reader sees, and how many hidden elements it dropped."""
    soup = BeautifulSoup(html, "html.parser")
    hidden = drop_hidden_elements(soup)
    return soup.get_text("\n"), hidden


_OPENING_TAG = re.compile(r"^<([a-zA-Z][\w-]*)([^>]*?)(/?)>$")
_CLOSING_TAG = re.compile(r"^</[a-zA-Z][\w-]*\s*>$")


def _inline_html_depth(tag: str, depth: int) -> int:
    """Nesting depth inside hidden inline HTML after `tag`: a hidden opening tag starts it,
    any opening tag inside deepens it, a closing tag ends one level."""
    tag = tag.strip()
    if _CLOSING_TAG.match(tag):
        return max(0, depth - 1)
    opening = _OPENING_TAG.match(tag)
    if opening is None or opening.group(3):  # a comment, or a self-closing tag
        return depth
    if depth:
        return depth + 1
    attrs = BeautifulSoup(tag, "html.parser").find(True)
    return 1 if attrs is not None and hidden_html_element(attrs.attrs) else 0
