"""Ingestion: files in, indexed chunks out.

    documents        the validated shape of a parsed file: metadata and text/table/image blocks
    parsers/         Markdown, HTML, text, PDF and image parsers (OCR), one entry: parse_file
    chunking         block-aware chunks, and the one way block and chunk ids are made
    pipeline         parse -> store (pending) -> chunk -> embed -> index -> indexed; open_ingestor
    index_versions   collections per embedding and the alias: rebuild, activate, rollback
"""
