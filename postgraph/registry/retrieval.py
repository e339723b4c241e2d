"""Retrieval strategies: numbered versions of how the retrieve step searches, and labels.

    {"versions": {"1": {"k": 6, "candidates": 16, "hybrid": true, "mmr_lambda": 0.85,
                        "relevance_floor": 0.6, "filters": {"block_kinds": ["text"]},
                        "collection": "chunks__minilm-l6-v2-int8-1", "notes": "..."}},
     "labels": {"production": "1"}, "history": {"production": ["1"]}}

`filters` are default metadata filters (a request's own filters win field by field).
`collection` is the Qdrant collection the index alias must name while this strategy runs
(null: leave the alias alone). The alias is one per index, so it follows only the label the
deployment runs (`retrieval_label`): promoting or rolling back that label moves it, in the
same step and before the label is written, so the two never disagree. The registry does not
move the alias itself: its caller passes the move as the `before` hook
(`postgraph.ingest.index_versions.alias_follower`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from postgraph.domain import RequestFilters
from postgraph.registry import labels as lbl
from postgraph.registry.labels import LabelMove, RegistryError, RegistryFile

NAME = "retrieval"


class Strategy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    k: int = Field(ge=1, le=30, description="Evidence chunks kept after fusion and MMR.")
    candidates: int = Field(ge=1, le=100, description="Candidates per query before MMR.")
    hybrid: bool = Field(description="Fuse dense and BM25 sparse search (else dense only).")
    mmr_lambda: float = Field(ge=0, le=1, description="MMR: 1 = relevance only, 0 = diversity only.")
    relevance_floor: float = Field(ge=0, le=1, description="Share of the best match's similarity to keep.")
    filters: RequestFilters = Field(default_factory=RequestFilters, description="Default metadata filters.")
    collection: str | None = Field(default=None, description="Collection the index alias must name; null = leave it.")
    notes: str = ""


class RetrievalRegistry:
    def __init__(self, path: Path) -> None:
        self.file = RegistryFile(path, "retrieval strategy")

    @staticmethod
    def _strategy(version: str, raw: dict[str, Any]) -> Strategy:
        try:
            return Strategy.model_validate(raw)
        except ValidationError as error:
            raise RegistryError(f"Retrieval strategy {version} is not valid: {error}") from error

    def versions(self) -> list[str]:
        return lbl.version_order(self.file.read().get("versions") or {})

    def strategy(self, version: str) -> Strategy:
        versions = self.file.read().get("versions") or {}
        if version not in versions:
            raise RegistryError(f"There is no retrieval strategy {version!r}; versions: "
                                f"{', '.join(lbl.version_order(versions)) or 'none'}.")
        return self._strategy(version, versions[version])

    def resolve(self, label: str = lbl.DEFAULT_LABEL) -> tuple[str, Strategy]:
        version = lbl.current(self.file.read(), NAME, label)
        return version, self.strategy(version)

    def list(self) -> list[dict[str, Any]]:
        data = self.file.read()
        labels = data.get("labels") or {}
        return [
            {"version": version, "labels": sorted(k for k, v in labels.items() if v == version),
             **self._strategy(version, raw).model_dump(mode="json", exclude_defaults=False)}
            for version, raw in sorted((data.get("versions") or {}).items(), key=lambda kv: lbl.version_order([kv[0]]))
        ]

    def check(self) -> None:
        data = self.file.read()
        versions = data.get("versions") or {}
        for version, raw in versions.items():
            self._strategy(version, raw)
        lbl.check_entry(data, NAME, versions)

    def register(self, strategy: Strategy) -> str:
        """Add `strategy` as the next version (no label moves)."""
        with self.file.edit() as data:
            versions = data.setdefault("versions", {})
            version = lbl.next_version(versions)
            versions[version] = strategy.model_dump(mode="json")
            return version

    def promote(self, version: str, label: str, before: Callable[[str, Strategy], Any] | None = None) -> LabelMove:
        """Point `label` at `version`. `before(version, strategy)` runs first (the alias move);
        when it fails the label stays where it was."""
        with self.file.edit() as data:
            versions = data.get("versions") or {}
            lbl.check_label(label)
            moving = version in versions and (data.get("labels") or {}).get(label) != version
            if moving and before is not None:
                before(version, self._strategy(version, versions[version]))
            return lbl.promote(data, NAME, version, label, versions)

    def rollback(self, label: str, before: Callable[[str, Strategy], Any] | None = None) -> LabelMove:
        with self.file.edit() as data:
            target = lbl.rollback_target(data, NAME, label)
            if before is not None:
                before(target, self._strategy(target, data["versions"][target]))
            return lbl.rollback(data, NAME, label)
