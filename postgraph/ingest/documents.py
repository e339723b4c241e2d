"""Validated shapes of a parsed document: its metadata and its ordered blocks."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DocumentFormat = Literal["markdown", "html", "text", "pdf", "image"]


class BlockKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    TABLE = "table"


class ImageInfo(BaseModel):
    """What is known about an image without keeping its pixels in the store."""

    model_config = ConfigDict(extra="forbid")

    src: str | None = None
    alt: str | None = None
    width: int | None = Field(default=None, ge=1)
    height: int | None = Field(default=None, ge=1)
    format: str | None = None
    sha256: str | None = None


class Block(BaseModel):
    """One unit of a document: a paragraph (text), a whole table, or an image.

    `text` is what gets embedded: the paragraph, the table as a Markdown table, or the
    image's alt text and OCR text.
    """

    model_config = ConfigDict(extra="forbid")

    kind: BlockKind
    text: str
    section: str | None = None
    rows: list[list[str]] | None = None
    image: ImageInfo | None = None
    ocr_text: str | None = None

    @model_validator(mode="after")
    def _check_kind_fields(self) -> Block:
        if not self.text.strip():
            raise ValueError(f"{self.kind} block has no text")
        if self.kind is BlockKind.TABLE:
            if not self.rows or not all(self.rows):
                raise ValueError("table block needs at least one non-empty row")
        elif self.rows is not None:
            raise ValueError(f"{self.kind} block cannot carry table rows")
        if self.kind is BlockKind.IMAGE:
            if self.image is None:
                raise ValueError("image block needs image metadata")
        elif self.image is not None or self.ocr_text is not None:
            raise ValueError(f"{self.kind} block cannot carry image fields")
        return self


class DocumentMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    format: DocumentFormat
    title: str
    author: str | None = None
    published: dt.date | None = None
    sha256: str | None = Field(default=None, description="Hash of the exact bytes that were parsed.")
    screened: dict[str, int] = Field(
        default_factory=dict,
        description="What ingest kept out of the evidence, by reason: hidden (text a reader would not see), "
        "instruction (text written to a model), secret (redacted).",
    )


class ParsedDocument(BaseModel):
    """A file turned into metadata plus ordered, validated blocks; never empty."""

    model_config = ConfigDict(extra="forbid")

    meta: DocumentMeta
    blocks: list[Block] = Field(min_length=1)
