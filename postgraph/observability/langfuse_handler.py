"""The LangChain callback handler of one graph run, on top of Langfuse's own `CallbackHandler`.

Langfuse's handler turns the graph into a trace (the graph as root span, one span per node,
one generation per model call). This subclass adds what only postgraph knows:

- the trace id is the run id (a uuid4 hex is a valid 32-hex-digit trace id), so a run record
  and its trace share one id and feedback finds its trace without a lookup;
- trace attributes: the thread as Langfuse session, a trace name per kind of call, tags, and
  the run's versions (prompt identities, model ids, embedding, retrieval strategy) as metadata;
- each generation names the model id of the role that made the call (`model.drafter`...) and
  is linked to the prompt version the node used (`prompt.draft` = `draft@3#ab12...` becomes
  prompt `draft`, version 3), with the full identity in its metadata.

Imported only when Langfuse is configured (it imports the SDK).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from langfuse.api import Prompt_Text
from langfuse.langchain import CallbackHandler
from langfuse.model import TextPromptClient

from postgraph.observability.runs import NODE_ROLES

_IDENTITY = re.compile(r"^(?P<name>[^@#\s]+)@(?P<version>[^#\s]+)(?:#(?P<sha>\S+))?$")
_TRACE_METADATA_CHARS = 200  # Langfuse drops propagated metadata values longer than this


@dataclass(frozen=True)
class PromptRef:
    name: str
    version: str
    sha: str | None = None

    @property
    def langfuse_version(self) -> int | None:
        """Langfuse numbers prompt versions 1, 2, 3...; `prompts sync` pushes local versions in
        order so the numbers agree. A version that is not a number is not linked."""
        return int(self.version) if self.version.isdigit() else None


def parse_prompt_identity(identity: str | None) -> PromptRef | None:
    """`draft@3#ab12cd34ef56` -> PromptRef("draft", "3", "ab12cd34ef56")."""
    match = _IDENTITY.match(identity or "")
    return PromptRef(match["name"], match["version"], match["sha"]) if match else None


class RunCallbackHandler(CallbackHandler):
    def __init__(
        self,
        *,
        public_key: str,
        run_id: str,
        thread_id: str,
        kind: str = "write",
        versions: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(public_key=public_key, trace_context={"trace_id": run_id})
        self.run_id = run_id
        self.thread_id = thread_id
        self.kind = kind
        self.versions = dict(versions or {})

    # -- trace level --------------------------------------------------------------------
    def trace_metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {"run_id": self.run_id, "thread_id": self.thread_id, "run_kind": self.kind}
        for name, value in self.versions.items():
            metadata[name] = str(value)[: _TRACE_METADATA_CHARS - 2]
        return {
            **metadata,
            "langfuse_session_id": self.thread_id,
            "langfuse_trace_name": f"postgraph.{self.kind}",
            "langfuse_tags": ["postgraph", self.kind],
        }

    def on_chain_start(self, serialized, inputs, *, run_id: UUID, parent_run_id: UUID | None = None,
                       tags=None, metadata=None, **kwargs: Any) -> Any:
        if parent_run_id is None:
            metadata = {**(metadata or {}), **self.trace_metadata()}
        return super().on_chain_start(serialized, inputs, run_id=run_id, parent_run_id=parent_run_id,
                                      tags=tags, metadata=metadata, **kwargs)

    # -- generations ----------------------------------------------------------------------
    def generation_details(self, metadata: Mapping[str, Any] | None) -> tuple[dict[str, Any], Any]:
        """Metadata naming the model and prompt of the node making the call, and the prompt
        client Langfuse links the generation to (None when there is none to link)."""
        metadata = dict(metadata or {})
        role_prompt = NODE_ROLES.get(str(metadata.get("langgraph_node")))
        if role_prompt is None:
            return metadata, None
        role, prompt_name = role_prompt
        model_id = self.versions.get(f"model.{role}")
        if model_id and model_id != "none":
            metadata["ls_model_name"] = model_id  # what Langfuse records as the generation's model
            metadata["postgraph_model"] = model_id
        identity = self.versions.get(f"prompt.{prompt_name}")
        ref = parse_prompt_identity(identity)
        prompt = None
        if identity:
            metadata["postgraph_prompt"] = identity
        if ref is not None and ref.langfuse_version is not None:
            prompt = TextPromptClient(Prompt_Text(
                name=ref.name, version=ref.langfuse_version, prompt="", config={}, labels=[], tags=[],
            ))
        return metadata, prompt

    def _link_prompt(self, parent_run_id: UUID | None, prompt: Any) -> None:
        # Langfuse links a generation to the prompt registered for its nearest parent run.
        if prompt is not None and parent_run_id is not None:
            self._prompt_to_parent_run_map[parent_run_id] = prompt

    def on_chat_model_start(self, serialized, messages, *, run_id: UUID, parent_run_id: UUID | None = None,
                            tags=None, metadata=None, **kwargs: Any) -> Any:
        metadata, prompt = self.generation_details(metadata)
        self._link_prompt(parent_run_id, prompt)
        return super().on_chat_model_start(serialized, messages, run_id=run_id, parent_run_id=parent_run_id,
                                           tags=tags, metadata=metadata, **kwargs)

    def on_llm_start(self, serialized, prompts, *, run_id: UUID, parent_run_id: UUID | None = None,
                     tags=None, metadata=None, **kwargs: Any) -> Any:
        metadata, prompt = self.generation_details(metadata)
        self._link_prompt(parent_run_id, prompt)
        return super().on_llm_start(serialized, prompts, run_id=run_id, parent_run_id=parent_run_id,
                                    tags=tags, metadata=metadata, **kwargs)
