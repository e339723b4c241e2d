"""Errors that carry a stable code and a message meant for the person who ran the command."""

from __future__ import annotations


class PostgraphError(Exception):
    """Base class: every error the user can see has a short machine code and a clear message."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IngestError(PostgraphError):
    """A file could not be turned into validated blocks; nothing was written for it."""

    code = "ingest_error"


class FileMissing(IngestError):
    code = "not_found"


class EmptyFile(IngestError):
    code = "empty_file"


class FileTooLarge(IngestError):
    code = "file_too_large"


class UnsupportedFormat(IngestError):
    code = "unsupported_format"


class UndecodableFile(IngestError):
    code = "undecodable"


class CorruptFile(IngestError):
    code = "corrupt_file"


class NoContent(IngestError):
    """The file parsed, but nothing worth indexing was left (only scripts, an image with no text)."""

    code = "no_content"


class StoreUnavailable(PostgraphError):
    """The document store or the vector index cannot be reached."""

    code = "store_unavailable"


class ServiceError(PostgraphError):
    """A local service could not be started, checked or stopped."""

    code = "service_error"


class ModelUnavailable(PostgraphError):
    """A chat model cannot be used: its server is unreachable or answers with an error, or its
    weights are missing, damaged or not loadable. The message names the URL or file and what to
    do about it."""

    code = "model_unavailable"


class RegistryError(PostgraphError):
    """A registry file is missing or malformed, a label move is not possible, or what a version
    names (a prompt file, weights, an index collection) does not fit it."""

    code = "registry_error"
