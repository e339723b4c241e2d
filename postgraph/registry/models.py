"""The model registry: for each role, numbered versions of the model it uses, and labels.

    {"drafter": {"versions": {"1": {"provider": "llamacpp", "location": "gemma3-270m",
                                   "sha256": "...", "training_run": null, "dataset_version": null,
                                   "notes": "..."}},
                 "labels": {"production": "1"}, "history": {"production": ["1"]}},
     ...}

Chat roles (planner, drafter, critic, reviser, judge) name a chat model: provider `llamacpp`
(location: `gemma3-270m` for the packaged model, or a GGUF path, relative paths from the
repository root; `adapter`: a LoRA adapter GGUF applied over it, the fine-tuned drafter), `ollama` (location: a model tag), `checker` (judge only: the trained claim
checker, location: its LoRA adapter GGUF over the packaged base model) or `none` (judge only:
no entailment model, deterministic claim checks alone). The `embedding` role records the embedding model
(location: an embedding name such as `minilm-l6-v2-int8`); the vectors in the index were made
with one, so changing it means `postgraph index rebuild`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from postgraph.errors import ModelUnavailable
from postgraph.llm.checker import CHECKER_PROVIDER, adapter_path
from postgraph.llm.weights import LORA_SEPARATOR, file_sha256, gguf_path_for, split_adapter
from postgraph.registry import labels as lbl
from postgraph.registry.labels import LabelMove, RegistryError, RegistryFile
from postgraph.settings import PROJECT_ROOT, Settings

CHAT_ROLES = ("planner", "drafter", "critic", "reviser", "judge")
ROLES = (*CHAT_ROLES, "embedding")
NO_MODEL = "none"
LOCAL_FILE_PROVIDERS = ("llamacpp", CHECKER_PROVIDER)
"""Providers whose location may be a file: its sha256 is registered and checked."""


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str = Field(min_length=1, description="llamacpp, ollama, none (judge), or the embedding's provider.")
    location: str | None = Field(default=None, description="GGUF path, 'gemma3-270m', an Ollama tag, or an embedding name.")
    adapter: str | None = Field(default=None, description="llamacpp: a LoRA adapter GGUF applied over the location's model.")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$",
                               description="sha256 of local weights (of the adapter, when there is one).")
    training_run: str | None = Field(default=None, description="Fine-tuning run that produced the weights.")
    dataset_version: str | None = Field(default=None, description="Version of the fine-tuning dataset.")
    prompt: str | None = Field(default=None, pattern=r"^[a-z_]+@[\w.-]+$",
                               description="The prompt version the weights were fine-tuned on (name@version): "
                                           "a run with this model uses it, whatever the prompt label says.")
    notes: str = ""

    @property
    def trained_prompt(self) -> tuple[str, str] | None:
        """(prompt name, version) the weights were fine-tuned on, or None."""
        return tuple(self.prompt.split("@", 1)) if self.prompt else None  # type: ignore[return-value]

    @property
    def model_id(self) -> str:
        """The chat model id ("provider:name") the graph loads; empty for provider none."""
        if self.provider == NO_MODEL:
            return ""
        location = self.location or ""
        if (self.provider in LOCAL_FILE_PROVIDERS and is_file_location(location)
                and not Path(location).expanduser().is_absolute()):
            location = str((PROJECT_ROOT / location).resolve())
        if self.adapter:
            location += LORA_SEPARATOR + str((PROJECT_ROOT / self.adapter).expanduser().resolve())
        return f"{self.provider}:{location}"

    def describe(self) -> str:
        if self.provider == NO_MODEL:
            return NO_MODEL
        return f"{self.provider}:{self.location}" + (f"{LORA_SEPARATOR}{self.adapter}" if self.adapter else "")


# --- weights -------------------------------------------------------------------------------


def local_weights(model_id: str, settings: Settings) -> Path | None:
    """The GGUF file a llamacpp model id stands for (with a LoRA adapter, and a checker's: the
    adapter, which is what tells one fine-tune from another), or None for models that are not
    local files (Ollama tags, test fakes, no model)."""
    provider, _, name = model_id.partition(":")
    if provider == CHECKER_PROVIDER:
        return adapter_path(model_id)
    if provider != "llamacpp" or not name:
        return None
    return split_adapter(name)[1] or gguf_path_for(name, settings)


def weights_sha256(model_id: str, settings: Settings) -> str | None:
    """sha256 of the model's local weights, or None when it has none on disk (yet)."""
    path = local_weights(model_id, settings)
    return file_sha256(path) if path is not None and path.is_file() else None


def is_file_location(location: str | None) -> bool:
    return bool(location) and (location.endswith(".gguf") or "/" in location)


def verify_weights(role: str, version: str, entry: ModelEntry, settings: Settings) -> None:
    """Refuse a GGUF file whose sha256 is not the registered one. Files not on disk yet pass
    (a missing file is refused when the model is loaded), and so does the packaged model,
    which is assembled and checked against its published sha256 whenever it is loaded; that
    also keeps a rollback from importing the model layer (about a second)."""
    if (entry.sha256 is None or entry.provider not in LOCAL_FILE_PROVIDERS
            or not (entry.adapter or is_file_location(entry.location))):
        return
    actual = weights_sha256(entry.model_id, settings)
    if actual is not None and actual != entry.sha256:
        raise ModelUnavailable(
            f"{role}@{version}: the weights at {local_weights(entry.model_id, settings)} have sha256 "
            f"{actual[:12]}…, the registry expects {entry.sha256[:12]}…. Put the registered file back, "
            "or register the new file as a new version."
        )


def _check_provider(role: str, entry: ModelEntry) -> None:
    """Only the judge may have no model or the claim checker (which answers nothing else);
    every model needs a location. Other providers are resolved when the model loads."""
    if role not in CHAT_ROLES:
        return
    if role != "judge" and entry.provider in (CHECKER_PROVIDER, NO_MODEL):
        raise RegistryError(f"{role} cannot use provider {entry.provider!r}; only the judge can.")
    if entry.adapter and entry.provider != "llamacpp":
        raise RegistryError(f"A LoRA adapter needs provider llamacpp, not {entry.provider!r}.")
    if entry.provider != NO_MODEL and not entry.location:
        raise RegistryError(f"A {entry.provider} model needs a location (a GGUF path, gemma3-270m or a tag).")


# --- the registry --------------------------------------------------------------------------


class ModelRegistry:
    def __init__(self, path: Path) -> None:
        self.file = RegistryFile(path, "model")

    def _role(self, data: dict[str, Any], role: str) -> dict[str, Any]:
        if role not in ROLES:
            raise RegistryError(f"Unknown role {role!r}; roles: {', '.join(ROLES)}.")
        if role not in data:
            raise RegistryError(f"The model registry has no versions for role {role}.")
        return data[role]

    @staticmethod
    def _entry(role: str, version: str, raw: dict[str, Any]) -> ModelEntry:
        try:
            return ModelEntry.model_validate(raw)
        except ValidationError as error:
            raise RegistryError(f"Model {role}@{version} is not a valid entry: {error}") from error

    def roles(self) -> list[str]:
        return [role for role in ROLES if role in self.file.read()]

    def versions(self, role: str) -> list[str]:
        return lbl.version_order(self._role(self.file.read(), role).get("versions") or {})

    def entry(self, role: str, version: str) -> ModelEntry:
        versions = self._role(self.file.read(), role).get("versions") or {}
        if version not in versions:
            raise RegistryError(f"Role {role} has no model version {version!r}; versions: "
                                f"{', '.join(lbl.version_order(versions)) or 'none'}.")
        return self._entry(role, version, versions[version])

    def resolve(self, role: str, label: str = lbl.DEFAULT_LABEL,
                author: str | None = None) -> tuple[str, ModelEntry] | None:
        """(version, entry) that `label` names for `role` (for `author`: their own version under
        the label when there is one, else the shared one); None when the registry has no such role."""
        data = self.file.read()
        if role not in data:
            return None
        version = lbl.current(data[role], role, lbl.author_label(label, author))
        return version, self.entry(role, version)

    def list(self) -> list[dict[str, Any]]:
        data = self.file.read()
        rows = []
        for role in self.roles():
            entry = data[role]
            for version in lbl.version_order(entry.get("versions") or {}):
                model = self._entry(role, version, entry["versions"][version])
                rows.append({
                    "role": role, "version": version,
                    "labels": sorted(k for k, v in (entry.get("labels") or {}).items() if v == version),
                    **model.model_dump(),
                })
        return rows

    def check(self) -> None:
        data = self.file.read()
        for role in data:
            self._role(data, role)
            versions = data[role].get("versions") or {}
            for version, raw in versions.items():
                self._entry(role, version, raw)
            lbl.check_entry(data[role], role, versions)

    def register(self, role: str, entry: ModelEntry, settings: Settings | None = None) -> str:
        """Add `entry` as the role's next version (no label moves). The sha256 of local weights
        is computed when the entry does not carry it."""
        _check_provider(role, entry)
        if settings is not None and entry.sha256 is None and entry.provider in LOCAL_FILE_PROVIDERS:
            digest = weights_sha256(entry.model_id, settings)
            if digest is not None:
                entry = entry.model_copy(update={"sha256": digest})
        with self.file.edit() as data:
            if role not in ROLES:
                raise RegistryError(f"Unknown role {role!r}; roles: {', '.join(ROLES)}.")
            versions = data.setdefault(role, {}).setdefault("versions", {})
            version = lbl.next_version(versions)
            versions[version] = entry.model_dump()
            return version

    def promote(self, role: str, version: str, label: str, settings: Settings) -> LabelMove:
        """Point the role's `label` at `version`, after checking its weights' sha256."""
        with self.file.edit() as data:
            entry = self._role(data, role)
            versions = entry.get("versions") or {}
            if version in versions:
                verify_weights(role, version, self._entry(role, version, versions[version]), settings)
            return lbl.promote(entry, role, version, label, versions)

    def rollback(self, role: str, label: str, settings: Settings) -> LabelMove:
        with self.file.edit() as data:
            entry = self._role(data, role)
            target = lbl.rollback_target(entry, role, label)
            verify_weights(role, target, self._entry(role, target, entry["versions"][target]), settings)
            return lbl.rollback(entry, role, label)
