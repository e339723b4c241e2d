"""Promotion to production goes through the gate.

`prompts promote`, `models promote` and `retrieval promote` to the production label call
`gated_promotion`: it names the exact versions production would run after the move
(`registry_versions` with the change applied), and looks in MongoDB for a passing gate result
measured on exactly those versions, over a whole promotion split (`gate_promotion_splits`) of
the current golden set under the current thresholds. Without one the move is refused, unless
forced with a reason. Either way the move is recorded in the `promotions` collection with the
result it relied on or the reason it was forced. Other labels (staging, candidate) are where
candidates wait for the gate, so they move freely.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from postgraph.errors import PostgraphError
from postgraph.gate.candidates import Change, Registries, check_change, registry_versions
from postgraph.quality.gate import GoldenSet
from postgraph.registry.labels import AUTHOR_SEPARATOR, DEFAULT_LABEL, LabelMove
from postgraph.registry.models import CHAT_ROLES
from postgraph.settings import Settings
from postgraph.stores.gate_results import GateResultStore
from postgraph.stores.open import open_store


class GateRequired(PostgraphError):
    code = "gate_required"


@dataclass(frozen=True)
class Clearance:
    """Why a promotion was allowed: a passing gate result, or a forced reason."""

    versions: dict[str, str]
    gate_result: str | None = None
    forced_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"gate_result": self.gate_result, "forced_reason": self.forced_reason}


def clearance(settings: Settings, results: GateResultStore, change: Change, *, force: bool = False,
              reason: str | None = None) -> Clearance:
    """The passing result that allows `change` into production, or the forced reason; else
    GateRequired saying what to run."""
    registries = Registries.of(settings)
    if change.kind == "models" and change.name not in CHAT_ROLES:
        registries.models.entry(change.name, change.version)  # an unknown role or version says so first
        if not force:
            raise GateRequired(f"The gate cannot measure {change}: its index is built with the running embedding. "
                               "Rebuild and check the index (postgraph index rebuild), then promote with --force --reason.")
    else:
        check_change(registries, change)
    versions = registry_versions(settings, DEFAULT_LABEL, [change])
    if force:
        if not (reason or "").strip():
            raise GateRequired("--force needs --reason: say why this version goes to production without the gate.")
        return Clearance(versions, forced_reason=reason.strip())
    latest = results.latest(versions)
    run = f"postgraph eval run --split test --candidate {change}"
    if latest is None:
        raise GateRequired(f"No gate result for {change} with the other production versions as they are. Run `{run}`, "
                           "or promote with --force --reason.")
    golden = GoldenSet.load(settings.golden_set_path, settings.gate_thresholds_path)
    stale = []
    if latest["golden_set_sha256"] != golden.sha256:
        stale.append("the golden set changed since")
    if latest["thresholds_sha256"] != golden.thresholds.sha256:
        stale.append("the thresholds changed since")
    if latest["selection"] not in settings.gate_promotion_splits:
        stale.append(f"it ran {latest['selection']} cases, not a whole {' or '.join(settings.gate_promotion_splits)} split")
    if not latest["passed"]:
        stale.append("it failed: " + "; ".join(latest["problems"]))
    if stale:
        raise GateRequired(f"The latest gate result for {change} ({latest['id']}, {latest['date']}) does not allow the "
                           f"promotion: {'; '.join(stale)}. Run `{run}`, or promote with --force --reason.")
    return Clearance(versions, gate_result=latest["id"])


def gated_promotion(settings: Settings, change: Change, label: str, move: Callable[[], LabelMove], *,
                    force: bool = False, reason: str | None = None) -> tuple[LabelMove, Clearance | None]:
    """Run `move` (the registry's promote) when the gate allows it, and record it. Labels other
    than production (an author's production label included) are not gated and not recorded."""
    if label.partition(AUTHOR_SEPARATOR)[0] != DEFAULT_LABEL:
        return move(), None
    with open_store(settings) as store:
        store.ping()  # a forced move reads nothing first, and it must not happen unrecorded
        results = GateResultStore.of(store)
        allowed = clearance(settings, results, change, force=force, reason=reason)
        done = move()
        results.record_promotion({"change": str(change), "label": label, "previous": done.previous,
                                  "current": done.current, **allowed.as_dict()}, allowed.versions)
    return done, allowed
