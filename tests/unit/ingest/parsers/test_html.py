"""HTML: metadata, document order, tables kept whole, dropped elements and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from postgraph.errors import NoContent, UndecodableFile
from postgraph.ingest.documents import BlockKind

PAGE = """<!DOCTYPE html>
<html>
<head>
  <title>  Weekly   Digest </title>
  <meta name="author" content="Mina Park">
  <meta property="article:published_time" content="2025-03-07T09:30:00+00:00">
  <style>body { color: red; }</style>
  <script>var tracking = "SCRIPT TEXT";</script>
</head>
<body>
  <noscript>Enable JavaScript NOSCRIPT TEXT</noscript>
  <div class="intro">Loose   text in a div
     with a <b>bold</b> word.</div>
  <h1>Digest</h1>
  <p>First   paragraph<br>second line.</p>
  <h2>Tools <small>new</small></h2>
  <ul>
    <li>Alpha</li>
    <li>Beta
      <ol><li>nested one</li></ol>
    </li>
  </ul>
  <blockquote><p>Quoted words.</p></blockquote>
  <pre>def f():
    return 1</pre>
  <table>
    <thead><tr><th>Name</th><th>Score</th></tr></thead>
    <tbody>
      <tr><td>Ann</td><td>9</td></tr>
      <tr><td>Bob</td><td></td></tr>
    </tbody>
  </table>
  <figure><img src="chart.png" alt="Sales chart"><figcaption>Figure 1</figcaption></figure>
  <template><p>TEMPLATE TEXT</p></template>
  <iframe src="x">IFRAME TEXT</iframe>
  <svg><text>SVG TEXT</text></svg>
  Trailing bare text.
  <!-- a comment that is not content -->
</body>
</html>
"""


@pytest.fixture
def page(write, text_image):
    text_image("chart.png", ["Sales up"])
    return write("digest.html", PAGE)


def test_metadata(page, parse):
    meta = parse(page).meta
    assert meta.format == "html"
    assert meta.title == "Weekly Digest"
    assert meta.author == "Mina Park"
    assert meta.published == dt.date(2025, 3, 7)


def test_blocks_in_document_order_with_sections(page, parse):
    blocks = parse(page).blocks
    summary = [(b.kind, b.section, b.text) for b in blocks]
    assert summary == [
        (BlockKind.TEXT, None, "Loose text in a div with a bold word."),
        (BlockKind.TEXT, "Digest", "First paragraph\nsecond line."),
        (BlockKind.TEXT, "Tools new", "- Alpha\n- Beta\n  1. nested one"),
        (BlockKind.TEXT, "Tools new", "Quoted words."),
        (BlockKind.TEXT, "Tools new", "def f():\n    return 1"),
        (BlockKind.TABLE, "Tools new", blocks[5].text),
        (BlockKind.IMAGE, "Tools new", "Sales chart\nText seen in the picture"),
        (BlockKind.TEXT, "Tools new", "Figure 1"),
        (BlockKind.TEXT, "Tools new", "Trailing bare text."),
    ]


def test_scripts_styles_and_friends_are_dropped(page, parse):
    everything = "\n".join(b.text for b in parse(page).blocks)
    for marker in ("SCRIPT", "NOSCRIPT", "TEMPLATE", "IFRAME", "SVG", "color: red", "comment"):
        assert marker not in everything


def test_table_block(page, parse):
    table = next(b for b in parse(page).blocks if b.kind is BlockKind.TABLE)
    assert table.rows == [["Name", "Score"], ["Ann", "9"], ["Bob", ""]]
    assert table.text == "| Name | Score |\n| --- | --- |\n| Ann | 9 |\n| Bob |  |"


def test_image_block(page, parse):
    image = next(b for b in parse(page).blocks if b.kind is BlockKind.IMAGE)
    assert image.image.src == "chart.png" and image.image.alt == "Sales chart"
    assert (image.image.width, image.image.height, image.image.format) == (900, 220, "png")
    assert len(image.image.sha256) == 64
    assert image.ocr_text == "Text seen in the picture"


def test_large_table_stays_one_block_header_first(write, parse):
    body = "".join(f"<tr><td>row {i}</td><td>{i * i}</td></tr>" for i in range(300))
    html = (
        "<table><tfoot><tr><td>total</td><td>n/a</td></tr></tfoot>"
        f"<tbody>{body}</tbody><thead><tr><th>Row</th><th>Square</th></tr></thead></table>"
    )
    doc = parse(write("big.html", html))
    assert len(doc.blocks) == 1
    table = doc.blocks[0]
    assert table.kind is BlockKind.TABLE
    assert len(table.rows) == 302
    assert table.rows[0] == ["Row", "Square"]
    assert table.rows[1] == ["row 0", "0"]
    assert table.rows[-1] == ["total", "n/a"]


def test_nested_table_rows_are_not_duplicated(write, parse):
    html = (
        "<table><tr><th>Outer</th></tr>"
        "<tr><td><table><tr><td>inner</td></tr></table></td></tr></table>"
    )
    table = parse(write("n.htm", html)).blocks[0]
    assert table.rows == [["Outer"], ["inner"]]


def test_title_falls_back_to_first_h1_and_missing_meta(write, parse):
    doc = parse(write("x.html", "<h2>Sub</h2><h1>Main <em>Title</em></h1><p>Body.</p>"))
    assert doc.meta.title == "Main Title"
    assert doc.meta.author is None and doc.meta.published is None


def test_meta_name_date_and_unreadable_date_ignored(write, parse):
    good = parse(write("a.html", '<meta name="date" content="2024-12-01"><p>x y z</p>'))
    assert good.meta.published == dt.date(2024, 12, 1)
    odd = parse(write("b.html", '<meta name="date" content="last Tuesday"><p>x y z</p>'))
    assert odd.meta.published is None


def test_only_scripts_is_no_content(write, parse):
    html = "<html><head><script>alert(1)</script><style>p{}</style></head><body>\n</body></html>"
    with pytest.raises(NoContent) as caught:
        parse(write("scripts.html", html))
    assert "scripts.html" in caught.value.message


def test_undecodable_bytes(write, parse):
    with pytest.raises(UndecodableFile, match="offset 6"):
        parse(write("x.html", b"<p>caf\xc3\x28</p>"))
