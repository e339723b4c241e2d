"""Prompt versions and labels, both ways between the local prompt registry and Langfuse.

The registry stays the source of truth for templates; Langfuse mirrors it and may move labels.

push: each local version `(name, version, labels, template, config)` (from `iter_prompts()`)
    becomes one Langfuse text-prompt version, pushed in version order so Langfuse's own numbers
    (1, 2, 3...) match the local ones, which is how traces link generations to prompt versions.
    A version is found again by its label `local-v<version>`, so pushing twice changes nothing;
    local labels missing in Langfuse are added (Langfuse never removes a label through its API;
    a label moves when another version takes it). A version whose template in Langfuse differs
    from the local one is reported as a conflict and left alone: a changed prompt needs a new
    version. Templates are converted between Python `{var}` and Langfuse `{{var}}` syntax; the
    config carries `postgraph: {version, sha256}`.
pull: for each prompt name, which version carries a label in Langfuse (for example
    `production`, moved in the Langfuse UI), as a local version; on request the registry
    follows (see `sync_prompts`), otherwise the push puts the label back.

Every request has the `langfuse_timeout_s` timeout and no retries; an unreachable server stops
the sync with `LangfuseUnavailable` rather than hanging.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from string import Formatter
from typing import Any

from postgraph.errors import PostgraphError
from postgraph.settings import Settings

PromptVersion = tuple[str, "str | int", Sequence[str], str, Mapping[str, Any]]
"""(name, version, labels, template, config) as the registry's `iter_prompts()` yields them."""

VERSION_LABEL_PREFIX = "local-v"
RESERVED_LABELS = {"latest"}
_MUSTACHE_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_LABEL_CHARS = re.compile(r"[^a-z0-9_.\-]")


class LangfuseUnavailable(PostgraphError):
    code = "langfuse_unavailable"


class LangfuseNotConfigured(PostgraphError):
    code = "langfuse_not_configured"


# -- templates ------------------------------------------------------------------------------
def to_langfuse_template(template: str) -> str:
    """Python format string -> Langfuse text: `{var}` -> `{{var}}`, `{{` -> `{`."""
    parts = []
    for literal, name, spec, conversion in Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            if spec or conversion or not name.isidentifier():
                raise ValueError(f"placeholder {{{name}}} cannot be expressed in a Langfuse template")
            parts.append("{{" + name + "}}")
    return "".join(parts)


def from_langfuse_template(text: str) -> str:
    """Langfuse text -> Python format string: `{{var}}` -> `{var}`, other braces doubled."""
    out, position = [], 0
    for match in _MUSTACHE_VAR.finditer(text):
        out.append(text[position:match.start()].replace("{", "{{").replace("}", "}}"))
        out.append("{" + match.group(1) + "}")
        position = match.end()
    out.append(text[position:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def version_label(version: str | int) -> str:
    return VERSION_LABEL_PREFIX + _LABEL_CHARS.sub("-", str(version).lower())


def template_sha256(template: str) -> str:
    return hashlib.sha256(template.encode()).hexdigest()


def _version_key(version: str | int) -> tuple:
    text = str(version)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-]", text))


# -- results --------------------------------------------------------------------------------
@dataclass
class PushResult:
    name: str
    version: str
    action: str  # created | labelled | unchanged | conflict
    langfuse_version: int | None = None
    labels: list[str] = field(default_factory=list)
    detail: str = ""


@dataclass
class PulledLabel:
    name: str
    label: str
    langfuse_version: int | None
    local_version: str | None  # None: the label is on no version, or on one not pushed from here
    sha256_matches: bool | None = None
    detail: str = ""
    registry_version: str | None = None  # where the registry puts the label (before any change)


@dataclass
class SyncReport:
    pushed: list[PushResult] = field(default_factory=list)
    pulled: list[PulledLabel] = field(default_factory=list)
    applied: list[PulledLabel] = field(default_factory=list)

    @property
    def conflicts(self) -> list[PushResult]:
        return [p for p in self.pushed if p.action == "conflict"]

    def as_dict(self) -> dict[str, Any]:
        return {"pushed": [asdict(p) for p in self.pushed], "pulled": [asdict(p) for p in self.pulled],
                "applied": [asdict(p) for p in self.applied], "conflicts": len(self.conflicts)}


# -- the client side ------------------------------------------------------------------------
class LangfusePrompts:
    """Prompt endpoints of the Langfuse API through the SDK's generated client, each call
    bounded by `timeout_s` and never retried."""

    def __init__(self, client: Any, timeout_s: float) -> None:
        self.client = client
        self.options = {"timeout_in_seconds": timeout_s, "max_retries": 0}

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        import httpx
        from langfuse.api import NotFoundError
        from langfuse.api.core import ApiError

        try:
            return call()
        except NotFoundError:
            return None
        except httpx.HTTPError as error:
            raise LangfuseUnavailable(f"Langfuse did not answer while {what}: {type(error).__name__}: {error}") from error
        except ApiError as error:
            if error.status_code == 404:
                return None
            raise LangfuseUnavailable(f"Langfuse refused {what}: HTTP {error.status_code} {error.body}") from error

    def get(self, name: str, *, label: str | None = None, version: int | None = None) -> Any:
        """The prompt version with this label (or number), or None when there is none."""
        return self._call(f"reading prompt {name!r}", lambda: self.client.api.prompts.get(
            urllib.parse.quote(name, safe=""), label=label, version=version, request_options=self.options))

    def create(self, name: str, text: str, labels: list[str], config: dict[str, Any], commit_message: str | None) -> Any:
        from langfuse.api import CreateTextPromptRequest

        request = CreateTextPromptRequest(name=name, prompt=text, labels=labels, config=config,
                                          commit_message=commit_message)
        return self._call(f"creating prompt {name!r}",
                          lambda: self.client.api.prompts.create(request=request, request_options=self.options))

    def add_labels(self, name: str, version: int, labels: list[str]) -> Any:
        return self._call(f"labelling prompt {name!r}", lambda: self.client.api.prompt_version.update(
            urllib.parse.quote(name, safe=""), version, new_labels=labels, request_options=self.options))

    # -- push and pull ----------------------------------------------------------------------
    def push(self, prompts: Iterable[PromptVersion]) -> list[PushResult]:
        results = []
        ordered = sorted(prompts, key=lambda p: (p[0], _version_key(p[1])))
        for name, version, labels, template, config in ordered:
            results.append(self.push_one(name, str(version), list(labels), template, dict(config or {})))
        return results

    def push_one(self, name: str, version: str, labels: list[str], template: str, config: dict[str, Any]) -> PushResult:
        own = version_label(version)
        wanted = sorted({*labels, own} - RESERVED_LABELS)
        text = to_langfuse_template(template)
        remote = self.get(name, label=own)
        if remote is None:
            config = {**config, "postgraph": {"version": version, "sha256": template_sha256(template)}}
            created = self.create(name, text, wanted, config, commit_message=f"postgraph {name}@{version}")
            if created is None:
                raise LangfuseUnavailable(f"Langfuse did not create prompt {name!r}.")
            detail = ""
            if version.isdigit() and created.version != int(version):
                detail = (f"Langfuse numbers it {created.version}: traces link generations by the local number, "
                          f"so push versions in order into a fresh prompt")
            return PushResult(name, version, "created", created.version, sorted(created.labels), detail)
        if remote.prompt != text:
            return PushResult(name, version, "conflict", remote.version, sorted(remote.labels),
                              "Langfuse holds a different template under this version: give the change a new version")
        missing = [label for label in wanted if label not in remote.labels]
        if missing:
            updated = self.add_labels(name, remote.version, missing)
            return PushResult(name, version, "labelled", remote.version,
                              sorted(getattr(updated, "labels", None) or {*remote.labels, *missing}),
                              f"added {', '.join(missing)}")
        return PushResult(name, version, "unchanged", remote.version, sorted(remote.labels))

    def pull(self, names: Iterable[str], label: str, local: Mapping[tuple[str, str], str] | None = None) -> list[PulledLabel]:
        """Which local version carries `label` in Langfuse, per prompt name. `local` maps
        (name, version) to the local template's sha256, to say whether the contents agree."""
        pulled = []
        for name in sorted(set(names)):
            remote = self.get(name, label=label)
            if remote is None:
                pulled.append(PulledLabel(name, label, None, None, detail="no version carries this label"))
                continue
            origin = (remote.config or {}).get("postgraph") if isinstance(remote.config, dict) else None
            if not origin:
                pulled.append(PulledLabel(name, label, remote.version, None,
                                          detail="the labelled version was not pushed from the registry"))
                continue
            version = str(origin.get("version"))
            sha = local.get((name, version)) if local is not None else None
            matches = None if sha is None else sha == template_sha256(from_langfuse_template(remote.prompt))
            pulled.append(PulledLabel(name, label, remote.version, version, matches))
        return pulled


def langfuse_client(settings: Settings) -> Any:
    """The SDK client for prompt calls (tracing not needed here)."""
    if not settings.langfuse_enabled:
        raise LangfuseNotConfigured(
            "Langfuse is not configured: set LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_HOST.")
    from postgraph.observability.tracing import tracing_for

    return tracing_for(settings).client  # type: ignore[union-attr]


def sync_prompts(
    settings: Settings,
    iter_prompts: Callable[[], Iterable[PromptVersion]] | Iterable[PromptVersion],
    *,
    pull_label: str | None = None,
    apply_label: Callable[[str, str, str], None] | None = None,
    client: Any = None,
) -> SyncReport:
    """Pull, then push.

    Pull: where `pull_label` (default `langfuse_prompt_label`) sits in Langfuse, per prompt.
    Without `apply_label` the registry wins: the push moves the label back to the version the
    registry names, and the report shows where it was. With `apply_label(name, version,
    label)`, Langfuse wins: a label that Langfuse puts on another (pushed) version is moved in
    the registry first, and the push then agrees with it.
    Push: every local version, as the module docstring says."""
    prompts = [(name, str(version), list(labels), template, dict(config or {}))
               for name, version, labels, template, config in (iter_prompts() if callable(iter_prompts) else iter_prompts)]
    api = LangfusePrompts(client if client is not None else langfuse_client(settings), settings.langfuse_timeout_s)
    label = pull_label or settings.langfuse_prompt_label
    report = SyncReport()
    shas = {(name, version): template_sha256(template) for name, version, _, template, _ in prompts}
    report.pulled = api.pull([p[0] for p in prompts], label, shas)
    for item in report.pulled:
        local = [version for name, version, labels, _, _ in prompts if name == item.name and label in labels]
        item.registry_version = local[0] if local else None
        moved = item.local_version is not None and item.local_version != item.registry_version
        if apply_label is not None and moved and (item.name, item.local_version) in shas:
            apply_label(item.name, item.local_version, label)
            report.applied.append(item)
            for name, version, labels, _, _ in prompts:
                if name == item.name:
                    if version == item.local_version and label not in labels:
                        labels.append(label)
                    elif version != item.local_version and label in labels:
                        labels.remove(label)
    report.pushed = api.push(prompts)
    return report


# -- the prompt registry ------------------------------------------------------------------------
def registry_prompts(registry: Any) -> Iterator[PromptVersion]:
    """Every version of every prompt in a `postgraph.prompts.PromptRegistry`, with the labels the
    registry puts on it and its call parameters, changelog and identity as config."""
    for row in registry.list():
        name, labels = row["name"], row.get("labels") or {}
        for version in registry.versions(name):
            prompt = registry.load(name, version)
            config = {"parameters": dict(prompt.parameters), "changelog": prompt.changelog,
                      "variables": sorted(prompt.variables), "identity": prompt.identity}
            yield name, version, [label for label, at in labels.items() if at == version], prompt.template, config


def sync_registry(settings: Settings, registry: Any, *, pull_label: str | None = None,
                  follow_langfuse: bool = False, client: Any = None) -> SyncReport:
    """`postgraph prompts sync`: push the registry to Langfuse and pull `pull_label`; with
    `follow_langfuse`, a label moved in Langfuse is promoted in the registry too."""
    apply = (lambda name, version, label: registry.promote(name, version, label)) if follow_langfuse else None
    return sync_prompts(settings, lambda: registry_prompts(registry), pull_label=pull_label, apply_label=apply,
                        client=client)
