"""Markdown: front matter, sections, lists, tables, images and bad input."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from postgraph.errors import IngestError, UndecodableFile
from postgraph.ingest.documents import BlockKind

DOC = """\
---
title: "Shipping a Drift Monitor"
author: 'Ravi Okonjo'
date: 2025-06-24
tags: [ml, ops]
---

Intro with **bold**, _emphasis_, `code` and a [link text](https://example.com).
It wraps onto a second source line.

## Setup

- first item
- second *item*
  - nested item

1. step one
2. step two

> A quoted line
> that continues.

```python
print("hi")
```

## Numbers

| Region | Revenue |
|--------|--------:|
| North  | 120     |
| South  | 95 \\| 96 |

![Architecture diagram](img/diagram.png)

![remote chart](https://example.com/chart.png)
"""


@pytest.fixture
def doc_path(write, text_image):
    write("img/.keep", "")
    text_image("img/diagram.png", ["Pipeline"])
    return write("post.md", DOC)


def test_metadata_from_front_matter(doc_path, parse):
    meta = parse(doc_path).meta
    assert meta.format == "markdown"
    assert meta.title == "Shipping a Drift Monitor"
    assert meta.author == "Ravi Okonjo"
    assert meta.published == dt.date(2025, 6, 24)


def test_blocks_kinds_order_and_sections(doc_path, parse):
    blocks = parse(doc_path).blocks
    assert [(b.kind, b.section) for b in blocks] == [
        (BlockKind.TEXT, None),
        (BlockKind.TEXT, "Setup"),
        (BlockKind.TEXT, "Setup"),
        (BlockKind.TEXT, "Setup"),
        (BlockKind.TEXT, "Setup"),
        (BlockKind.TABLE, "Numbers"),
        (BlockKind.IMAGE, "Numbers"),
        (BlockKind.IMAGE, "Numbers"),
    ]
    intro, bullets, numbered, quote, code = (b.text for b in blocks[:5])
    assert intro == (
        "Intro with bold, emphasis, code and a link text. It wraps onto a second source line."
    )
    assert bullets == "- first item\n- second item\n  - nested item"
    assert numbered == "1. step one\n2. step two"
    assert quote == "A quoted line that continues."
    assert code == 'print("hi")'
    assert all("##" not in b.text for b in blocks)


def test_table_is_one_block_with_rows(doc_path, parse):
    table = next(b for b in parse(doc_path).blocks if b.kind is BlockKind.TABLE)
    assert table.rows == [["Region", "Revenue"], ["North", "120"], ["South", "95 | 96"]]
    assert table.text == (
        "| Region | Revenue |\n| --- | --- |\n| North | 120 |\n| South | 95 \\| 96 |"
    )


def test_local_image_gets_metadata_and_ocr(doc_path, parse, fake_ocr):
    image, remote = [b for b in parse(doc_path).blocks if b.kind is BlockKind.IMAGE]
    data = (doc_path.parent / "img" / "diagram.png").read_bytes()
    assert image.image.src == "img/diagram.png"
    assert image.image.alt == "Architecture diagram"
    assert (image.image.width, image.image.height, image.image.format) == (900, 220, "png")
    assert image.image.sha256 == hashlib.sha256(data).hexdigest()
    assert image.ocr_text == "Text seen in the picture"
    assert image.text == "Architecture diagram\nText seen in the picture"
    assert fake_ocr.calls == [data]
    # A remote image is not fetched: it keeps only its reference and alt text.
    assert remote.image.src == "https://example.com/chart.png"
    assert remote.image.width is None and remote.ocr_text is None
    assert remote.text == "remote chart"


def test_local_image_read_by_tesseract(write, text_image, parse, tesseract):
    text_image("scan.png", ["Quarterly revenue"])
    doc = parse(write("note.md", "Some words.\n\n![](scan.png)\n"), ocr=tesseract)
    image = doc.blocks[1]
    assert image.kind is BlockKind.IMAGE
    assert "Quarterly revenue" in image.ocr_text
    assert image.text == image.ocr_text


def test_image_outside_document_folder_is_not_read(tmp_path, write, text_image, parse, fake_ocr):
    text_image("secret.png", ["secret"])
    path = write("docs/note.md", "Hello.\n\n![outside](../secret.png)\n")
    image = parse(path).blocks[1]
    assert image.image.sha256 is None and image.ocr_text is None
    assert fake_ocr.calls == []


def test_broken_local_image_keeps_alt_text(write, parse):
    write("broken.png", b"not a png at all")
    image = parse(write("note.md", "![a chart](broken.png)\n")).blocks[0]
    assert image.text == "a chart" and image.image.width is None


def test_without_front_matter_title_is_first_heading(write, parse):
    doc = parse(write("x.md", "\ufeffIntro.\n\n# The Heading\n\nBody text.\n"))
    assert doc.meta.title == "The Heading"
    assert doc.meta.author is None and doc.meta.published is None
    assert [b.section for b in doc.blocks] == [None, "The Heading"]


def test_bad_front_matter_date(write, parse):
    path = write("x.md", "---\ntitle: T\ndate: 24/06/2025\n---\n\nBody.\n")
    with pytest.raises(IngestError) as caught:
        parse(path)
    message = caught.value.message
    assert "'date'" in message and "YYYY-MM-DD" in message and "24/06/2025" in message
    assert "front matter" in message


def test_impossible_front_matter_date(write, parse):
    with pytest.raises(IngestError, match="'date'"):
        parse(write("x.md", "---\ndate: 2025-02-30\n---\nBody.\n"))


def test_undecodable_bytes(write, parse):
    path = write("x.md", b"# Title\n\nCaf\xe9 au lait\n")
    with pytest.raises(UndecodableFile) as caught:
        parse(path)
    assert "offset 12" in caught.value.message
    assert "UTF-8" in caught.value.message
