"""The claim checker model: Gemma 270M with a LoRA adapter trained to answer one question,
"does this passage state this claim?", read from two logits instead of generated text.

The base model cannot judge entailment as it is, and JSON-constrained decoding of a yes/no
answer costs a grammar over a 262k-token vocabulary. The adapter (trained by
`scripts/train_checker.sh` from `training/checker/`) was fitted on exactly the prompt `checker_prompt` builds,
and the answer is the probability of " Yes" against " No" at the next token: one prompt
evaluation, no decoding. Passages are cut to the sentences nearest the claim
(`focus_passage`), the same way at training and at run time, so the prompt stays short.
"""

from __future__ import annotations

import json
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postgraph.errors import ModelUnavailable
from postgraph.llm.weights import bundled_gguf_path, check_gguf_file, ensure_bundled_gguf
from postgraph.settings import Settings
from postgraph.text import split_sentences, stem, terms

CHECKER_PROVIDER = "checker"
"""Model ids `checker:<adapter GGUF>`: the packaged base model with that adapter."""
YES, NO = " Yes", " No"
DEFAULT_THRESHOLD = 0.5
FOCUS_WORDS = 90


def checker_prompt(passage: str, claim: str) -> str:
    """The one prompt the adapter was trained on; the answer is the next token."""
    return (f"Passage: {focus_passage(passage, claim)}\n"
            f"Claim: {claim.strip()}\n"
            "Does the passage state the claim? Answer:")


def focus_passage(passage: str, claim: str, max_words: int = FOCUS_WORDS) -> str:
    """The passage cut to the sentences that share most terms with the claim, kept in their
    order, up to `max_words` words (the best sentence is always kept whole)."""
    sentences = split_sentences(passage)
    if sum(len(s.split()) for s in sentences) <= max_words:
        return " ".join(sentences)
    wanted = {stem(t) for t in terms(claim)}
    ranked = sorted(range(len(sentences)),
                    key=lambda i: (-len(wanted & {stem(t) for t in terms(sentences[i])}), i))
    kept: set[int] = set()
    used = 0
    for index in ranked:
        size = len(sentences[index].split())
        if kept and used + size > max_words:
            continue
        kept.add(index)
        used += size
    return " ".join(sentences[i] for i in sorted(kept))


@dataclass
class ClaimChecker:
    """The packaged base model with the checker adapter, loaded on first use.

    `probability(passage, claim)` is P(" Yes") over {" Yes", " No"}; `entailed` compares it
    with `threshold`. Calls are serialised: llama.cpp is not re-entrant."""

    base_path: Path
    adapter_path: Path
    threshold: float = DEFAULT_THRESHOLD
    n_threads: int | None = None
    n_ctx: int = 512
    _llama: Any = field(default=None, init=False, repr=False)
    _answer_tokens: tuple[int, int] = field(default=(0, 0), init=False, repr=False)
    _last_logits: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _load(self) -> Any:
        if self._llama is not None:
            return self._llama
        ensure_bundled_gguf(self.base_path)
        check_gguf_file(self.adapter_path)
        try:
            from llama_cpp import Llama, llama_get_logits_ith
        except ImportError as error:
            raise ModelUnavailable(f"llama-cpp-python is not installed ({error}); run scripts/setup.sh.") from error
        self._last_logits = llama_get_logits_ith
        threads = self.n_threads or os.cpu_count()
        try:
            llama = Llama(model_path=str(self.base_path), lora_path=str(self.adapter_path), n_ctx=self.n_ctx,
                          n_threads=threads, n_threads_batch=threads, verbose=False)
        except (ValueError, RuntimeError, OSError) as error:
            raise ModelUnavailable(f"llama.cpp could not load the claim checker ({self.adapter_path}): {error}") from error
        yes, no = (llama.tokenize(word.encode(), add_bos=False, special=False) for word in (YES, NO))
        if len(yes) != 1 or len(no) != 1:
            raise ModelUnavailable(f"the checker's answers are not single tokens in {self.base_path.name}")
        self._answer_tokens = (yes[0], no[0])
        self._llama = llama
        return llama

    def probability(self, passage: str, claim: str) -> tuple[float, int]:
        """P(yes) and the number of prompt tokens evaluated."""
        with self._lock:
            llama = self._load()
            tokens = llama.tokenize(checker_prompt(passage, claim).encode(), add_bos=True, special=False)
            tokens = tokens[-(self.n_ctx - 1):]
            llama.reset()
            llama.eval(tokens)
            # llama-cpp-python keeps no logits unless it keeps every position's (a 262k-wide
            # row per token); read the last position's two answers from llama.cpp itself.
            logits = self._last_logits(llama.ctx, -1)
            yes, no = (float(logits[t]) for t in self._answer_tokens)
        return 1.0 / (1.0 + math.exp(no - yes)), len(tokens)

    def entailed(self, passage: str, claim: str) -> tuple[bool, float, int]:
        probability, tokens = self.probability(passage, claim)
        return probability >= self.threshold, probability, tokens

    def close(self) -> None:
        with self._lock:
            if self._llama is not None and hasattr(self._llama, "close"):
                self._llama.close()
            self._llama = None


def adapter_path(model_id: str) -> Path | None:
    """The adapter file of a `checker:` model id, or None for any other id."""
    provider, _, name = model_id.partition(":")
    return Path(name).expanduser().resolve() if provider == CHECKER_PROVIDER and name.strip() else None


def load_claim_checker(model_id: str, settings: Settings) -> ClaimChecker:
    """The checker a `checker:<adapter GGUF>` id names, over the packaged base model. Nothing
    loads here; a missing adapter is refused at once."""
    path = adapter_path(model_id)
    if path is None:
        raise ModelUnavailable(f"{model_id!r} is not a claim checker id ('{CHECKER_PROVIDER}:<adapter .gguf>').")
    check_gguf_file(path)
    threshold = settings.checker_threshold or calibrated_threshold(path)
    return ClaimChecker(base_path=bundled_gguf_path(settings), adapter_path=path, threshold=threshold,
                        n_threads=settings.llama_threads)


def calibrated_threshold(adapter: Path) -> float:
    """The threshold in the adapter's training record (`adapter.json` beside `adapter.gguf`),
    chosen on documents it was not trained on; 0.5 without a record."""
    record = adapter.with_suffix(".json")
    if not record.is_file():
        return DEFAULT_THRESHOLD
    try:
        threshold = float(json.loads(record.read_text(encoding="utf-8"))["threshold"])
    except (ValueError, KeyError, TypeError) as error:
        raise ModelUnavailable(f"the claim checker's record {record} has no valid threshold ({error}).") from error
    if not 0 < threshold < 1:
        raise ModelUnavailable(f"the claim checker's record {record} has threshold {threshold}, not between 0 and 1.")
    return threshold
