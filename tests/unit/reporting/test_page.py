"""The HTML page helpers escape what they are given and keep the structure a reader relies on."""

from __future__ import annotations

from support.html_pages import read_page

from postgraph.reporting.page import Cell, bullet_list, details, page, paragraph, section, table


def test_a_page_is_one_document_with_its_title_and_sections():
    html = page("Gate <failed>", [section("Decision & problems", [paragraph("Two <problems>", "verdict fail")])])
    assert html.startswith("<!DOCTYPE html>")
    read = read_page(html)
    assert read.all("title")[0].text == "Gate <failed>" and read.all("h1")[0].text == "Gate <failed>"
    assert read.all("h2")[0].text == "Decision & problems"
    assert read.all("p", "verdict")[0].text == "Two <problems>" and not read.all("problems")


def test_table_cells_are_escaped_formatted_and_marked():
    html = table(("metric", "mean", "cases", "note"), [
        ["<b>format</b>", 0.91234, 12, None],
        ["grounding", Cell(text="0.400 ✗", css_class="number fail", tooltip='claims: ["a & b"]'), 3,
         Cell(html=details("Our hook <here>", "Post <script>alert(1)</script>\n#Tag"))],
    ], row_classes=[None, "fail"])
    read = read_page(html)
    cells = read.all("td")
    assert [c.text for c in cells[:4]] == ["<b>format</b>", "0.912", "12", "—"]
    assert cells[1].classes == {"number"} and cells[2].classes == {"number"} and not cells[0].classes
    assert "fail" in cells[5].classes and cells[5].attrs["title"] == 'claims: ["a & b"]'
    assert read.all("tr", "fail") and not read.all("b") and not read.all("script")
    (collapsed,) = read.all("details")
    assert read.all("summary")[0].text == "Our hook <here>"
    assert read.all("pre")[0].text == "Post <script>alert(1)</script>\n#Tag" and collapsed.text.endswith("#Tag")


def test_lists_escape_their_items():
    read = read_page(bullet_list(["a < b", "c & d"], "alerts"))
    assert [li.text for li in read.all("li")] == ["a < b", "c & d"] and read.all("ul", "alerts")
