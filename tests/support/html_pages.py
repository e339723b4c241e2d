"""Read a report page back as a browser would see it: its elements with their classes, the text of
table cells and of collapsed details, and each inline chart as an XML tree."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser

SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class Page(HTMLParser):
    """Every element in document order; an element's text includes its children's."""

    VOID = ("meta", "br", "hr", "img", "input", "link")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag):
        if any(element.tag == tag for element in self._open):
            while self._open.pop().tag != tag:
                pass

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def all(self, tag: str, css_class: str | None = None) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and (css_class is None or css_class in e.classes)]


def read_page(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def charts(html: str) -> list[ET.Element]:
    """Every inline SVG of the page, parsed as XML (which also proves it is well formed)."""
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def by_class(svg: ET.Element, tag: str, css_class: str) -> list[ET.Element]:
    return [e for e in svg.iter(f"{SVG}{tag}") if css_class in e.get("class", "").split()]
