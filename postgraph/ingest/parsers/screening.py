"""Sources are data, never instructions: what ingest keeps out of the evidence.

Every parser drops what a reader of the document would not see (hidden HTML, invisible PDF
text: `hidden_html_element` below and the PDF parser's own filter). This module then screens
the text that is left, block by block (paragraphs, table cells, image alt and OCR text):

- a sentence or line written to a model rather than a reader ("ignore previous
  instructions", "SYSTEM:", "as an AI assistant, tell readers ...") is dropped;
- a secret-like string (API keys, tokens, private keys, `password: ...`) is replaced by
  `[redacted secret]`, so it is never embedded, quoted or cited.

What was removed is counted per reason and kept with the document (`DocumentMeta.screened`), so
`postgraph docs` shows it. `SCREENING_VERSION` is recorded on every stored document: a document
screened by an older version is parsed again on the next ingest of its file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from postgraph.ingest.documents import Block, BlockKind
from postgraph.ingest.parsers.common import markdown_table

SCREENING_VERSION = 1
REDACTED = "[redacted secret]"

# Phrases addressed to a model. Each needs an imperative aimed at instructions, a role marker
# at the start of a line, or a request to an AI reader, so that prose *about* prompt injection
# ("attackers write 'ignore previous instructions'") is rare to match; such prose quoted in a
# newsletter is dropped too, which loses a sentence, not a fact a post needs.
INSTRUCTION_PATTERNS = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(previous|prior|above|earlier|preceding|system|your)\b"
    r"[^.\n]{0,20}\b(instructions?|prompts?|guidelines|directions)\b",
    r"^\s*[\[<(#*]*\s*(system|assistant|developer|user)\s*(prompt|message)?\s*[\]>)]*\s*:",
    r"<\|?\s*(im_start|im_end|system|endoftext)\s*\|?>|\[/?INST\]|<</?SYS>>",
    r"\b(note|message|instructions?)\s+(to|for)\s+(any|all|the)?\s*(ai|llm|language models?|assistants?|"
    r"chatbots?|bots?|models?)\b",
    r"\b(ai|llm|language model|assistant|chatbot)s?\b[^.\n]{0,40}\b(summari[sz]ing|reading|processing|"
    r"crawling|scraping)\b[^.\n]{0,40}\b(must|should|are to|need to|tell|say|mention|write|include)\b",
    r"\byou are (now|no longer)\b[^.\n]{0,60}\b(assistant|ai|model|bot|dan|jailbroken|unrestricted)\b",
    r"\b(new|updated|real|actual|hidden)\s+(system\s+)?instructions?\s*:",
    r"\bdo not (tell|reveal|inform|mention (this|these instructions) to)\b[^.\n]{0,30}\b(user|reader)s?\b",
))

SECRET_PATTERNS = tuple(re.compile(pattern) for pattern in (
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)",
    r"\b(sk|pk|rk)[-_](live|test|proj)?[-_]?[A-Za-z0-9]{16,}\b",
    r"\bAKIA[0-9A-Z]{16}\b",
    r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",
    r"\bAIza[0-9A-Za-z_-]{35}\b",
    r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b",
    r"(?i)\b(api[_ -]?key|secret|token|password|passwd|pwd|access[_ -]?key)\b(\s*(is|=|:)\s*)[\"']?[^\s\"',;]{6,}",
))
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[<])|\n+")


def is_instruction(text: str) -> bool:
    """Whether `text` (a sentence or a line) is written to a model, not a reader."""
    return any(pattern.search(text) for pattern in INSTRUCTION_PATTERNS)


def redact_secrets(text: str) -> tuple[str, int]:
    """`text` with every secret-like string replaced, and how many were."""
    count = 0
    for pattern in SECRET_PATTERNS:
        text, found = pattern.subn(REDACTED, text)
        count += found
    return text, count


def screen_text(text: str, found: Counter[str]) -> str:
    """`text` without instruction-like sentences and with secrets redacted; `found` counts them."""
    text, secrets = redact_secrets(text)
    found["secret"] += secrets
    pieces = [piece for piece in _SENTENCE.split(text) if piece.strip()]
    kept = [piece for piece in pieces if not is_instruction(piece)]
    found["instruction"] += len(pieces) - len(kept)
    if len(kept) == len(pieces):
        return text
    separator = "\n" if "\n" in text else " "
    return separator.join(piece.strip() for piece in kept)


def screen_blocks(blocks: list[Block]) -> tuple[list[Block], dict[str, int]]:
    """The blocks with instruction-like text dropped and secrets redacted (a block left with no
    text is dropped), and the counts per reason."""
    found: Counter[str] = Counter()
    kept: list[Block] = []
    for block in blocks:
        screened = _screen_block(block, found)
        if screened is not None:
            kept.append(screened)
    return kept, {reason: count for reason, count in sorted(found.items()) if count}


def _screen_block(block: Block, found: Counter[str]) -> Block | None:
    update: dict[str, object] = {}
    if block.kind is BlockKind.TABLE and block.rows:
        rows = [[screen_text(cell, found) if cell else cell for cell in row] for row in block.rows]
        if rows != block.rows:
            update["rows"] = rows
            update["text"] = markdown_table(rows)
    else:
        text = screen_text(block.text, found)
        if text != block.text:
            update["text"] = text
        if block.ocr_text:
            ocr = screen_text(block.ocr_text, found)
            if ocr != block.ocr_text:
                update["ocr_text"] = ocr or None
    if not update:
        return block
    if not str(update.get("text", block.text)).strip():
        return None
    return block.model_copy(update=update)


def describe(screened: Mapping[str, int]) -> str:
    """"2 hidden passages, 1 instruction, 1 secret" for reports."""
    return ", ".join(f"{count} {reason}" for reason, count in screened.items())
