"""Settings come from POSTGRAPH_* environment variables, a .env file, or keyword overrides."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from postgraph.settings import PROJECT_ROOT, Settings, get_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No POSTGRAPH_* variable or .env file of the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.startswith("POSTGRAPH_"):
            monkeypatch.delenv(name)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    return workdir


def test_defaults():
    settings = Settings()
    assert settings.data_dir == PROJECT_ROOT / ".postgraph"
    assert settings.mongodb_uri is None and settings.qdrant_url is None
    assert settings.embedding == "minilm-l6-v2-int8"
    assert settings.max_file_bytes == 20 * 1024 * 1024
    assert settings.chunk_overlap_tokens < settings.chunk_max_tokens
    assert settings.ocr_provider == "tesseract"


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("POSTGRAPH_MAX_FILE_BYTES", "1234")
    monkeypatch.setenv("POSTGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POSTGRAPH_MONGODB_URI", "mongodb://db.example:27017")
    monkeypatch.setenv("POSTGRAPH_MONGODB_DATABASE", "other")
    monkeypatch.setenv("POSTGRAPH_EMBEDDING", "ollama:nomic-embed-text")
    monkeypatch.setenv("POSTGRAPH_CHUNK_MAX_TOKENS", "120")
    monkeypatch.setenv("POSTGRAPH_CHUNK_OVERLAP_TOKENS", "10")
    monkeypatch.setenv("POSTGRAPH_EMBED_BATCH_SIZE", "8")
    monkeypatch.setenv("POSTGRAPH_OCR_PROVIDER", "ollama")
    monkeypatch.setenv("POSTGRAPH_OLLAMA_TIMEOUT_S", "2.5")
    settings = Settings()
    assert settings.max_file_bytes == 1234
    assert settings.data_dir == (tmp_path / "data").resolve()
    assert settings.mongodb_uri == "mongodb://db.example:27017"
    assert settings.mongodb_database == "other"
    assert settings.embedding == "ollama:nomic-embed-text"
    assert (settings.chunk_max_tokens, settings.chunk_overlap_tokens) == (120, 10)
    assert settings.embed_batch_size == 8
    assert settings.ocr_provider == "ollama"
    assert settings.ollama_timeout_s == 2.5


def test_variable_names_are_case_insensitive(monkeypatch):
    monkeypatch.setenv("postgraph_max_file_bytes", "99")
    assert Settings().max_file_bytes == 99


def test_dotenv_file_is_read_and_the_environment_wins(monkeypatch, clean_environment):
    (clean_environment / ".env").write_text(
        "POSTGRAPH_MAX_FILE_BYTES=555\nPOSTGRAPH_MONGODB_DATABASE=from_dotenv\n"
    )
    monkeypatch.setenv("POSTGRAPH_MONGODB_DATABASE", "from_env")
    settings = Settings()
    assert settings.max_file_bytes == 555
    assert settings.mongodb_database == "from_env"


def test_keyword_overrides_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("POSTGRAPH_MAX_FILE_BYTES", "1234")
    assert get_settings(max_file_bytes=42).max_file_bytes == 42
    assert get_settings().max_file_bytes == 1234


# -- paths ---------------------------------------------------------------------------------


def test_relative_paths_become_absolute(monkeypatch, clean_environment):
    monkeypatch.setenv("POSTGRAPH_DATA_DIR", "runtime/data")
    monkeypatch.setenv("POSTGRAPH_MONGO_VENV", "../venv-mongo")
    settings = Settings()
    assert settings.data_dir.is_absolute() and settings.mongo_venv.is_absolute()
    assert settings.data_dir == (clean_environment / "runtime" / "data").resolve()
    assert settings.mongo_venv == (clean_environment.parent / "venv-mongo").resolve()
    assert ".." not in settings.mongo_venv.parts


def test_home_is_expanded(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings(data_dir=Path("~/pg"))
    assert settings.data_dir == (tmp_path / "pg").resolve()


def test_qdrant_path_defaults_under_data_dir_and_is_absolute(monkeypatch, clean_environment, tmp_path):
    assert Settings(data_dir=tmp_path / "d").resolved_qdrant_path == (tmp_path / "d" / "qdrant").resolve()
    monkeypatch.setenv("POSTGRAPH_QDRANT_PATH", "index")
    resolved = Settings().resolved_qdrant_path
    assert resolved.is_absolute() and resolved == (clean_environment / "index").resolve()


# -- invalid values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("POSTGRAPH_MAX_FILE_BYTES", "twenty"),
        ("POSTGRAPH_MAX_FILE_BYTES", "0"),
        ("POSTGRAPH_MAX_FILE_BYTES", "-5"),
        ("POSTGRAPH_MONGODB_TIMEOUT_MS", "10"),
        ("POSTGRAPH_EMBED_BATCH_SIZE", "0"),
        ("POSTGRAPH_EMBED_BATCH_SIZE", "5000"),
        ("POSTGRAPH_CHUNK_MAX_TOKENS", "300"),
        ("POSTGRAPH_CHUNK_MAX_TOKENS", "16"),
        ("POSTGRAPH_CHUNK_OVERLAP_TOKENS", "-1"),
        ("POSTGRAPH_WRITE_BATCH_SIZE", "0"),
        ("POSTGRAPH_OCR_PROVIDER", "easyocr"),
        ("POSTGRAPH_OLLAMA_TIMEOUT_S", "0"),
    ],
)
def test_invalid_values_raise_a_validation_error(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    field = variable.removeprefix("POSTGRAPH_").lower()
    assert field in str(caught.value)


@pytest.mark.parametrize(("overlap", "size"), [(200, 200), (250, 200), (64, 32)])
def test_overlap_not_smaller_than_the_chunk_is_refused(monkeypatch, overlap, size):
    # Accepted before, it made every ingest crash on the first file with a bare ValueError.
    monkeypatch.setenv("POSTGRAPH_CHUNK_OVERLAP_TOKENS", str(overlap))
    monkeypatch.setenv("POSTGRAPH_CHUNK_MAX_TOKENS", str(size))
    with pytest.raises(ValidationError, match="chunk_overlap_tokens"):
        Settings()


def test_invalid_keyword_override_raises_a_validation_error():
    with pytest.raises(ValidationError):
        get_settings(max_file_bytes="lots")
