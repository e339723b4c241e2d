"""Labels with history, and the registry file they live in.

An entry is a plain JSON object `{"labels": {label: version}, "history": {label: [versions]}}`:
`history[label]` lists every version the label named, oldest first, so its last item is the
current version and `rollback` drops it. Keeping plain dicts (not classes) keeps the files
readable and their diffs small.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from postgraph.errors import RegistryError

LABELS = ("production", "staging", "candidate")
DEFAULT_LABEL = "production"


@dataclass(frozen=True)
class LabelMove:
    """What a promote or rollback did: `name`'s `label` went from `previous` to `current`."""

    name: str
    label: str
    previous: str | None
    current: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


AUTHOR_SEPARATOR = ":"
"""`production:marisol-quenby`: the label's version for one author's requests (a per-author
fine-tune); an author without one falls back to the plain label."""
_AUTHOR_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def author_slug(author: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", author.lower()))


def author_label(label: str, author: str | None) -> str:
    """The label `label` for `author` ("production:marisol-quenby"), or `label` without one."""
    slug = author_slug(author or "")
    return f"{check_label(label)}{AUTHOR_SEPARATOR}{slug}" if slug else check_label(label)


def check_label(label: str) -> str:
    base, sep, slug = label.partition(AUTHOR_SEPARATOR)
    if base not in LABELS or (sep and not _AUTHOR_SLUG.fullmatch(slug)):
        raise RegistryError(f"Unknown label {label!r}; labels are {', '.join(LABELS)}, each optionally "
                            f"for one author ({LABELS[0]}{AUTHOR_SEPARATOR}author-name).")
    return label


def version_order(versions: Iterable[str]) -> list[str]:
    """Versions sorted as numbers when they are numbers ("2" before "10")."""
    return sorted(versions, key=lambda v: (0, int(v), "") if v.isdigit() else (1, 0, v))


def next_version(versions: Iterable[str]) -> str:
    numbers = [int(v) for v in versions if v.isdigit()]
    return str(max(numbers, default=0) + 1)


def current(entry: dict[str, Any], name: str, label: str) -> str:
    """The version `label` names; a label the entry lacks falls back to production, so staging
    can carry only what is under test (an author's label first to the plain label)."""
    labels = entry.get("labels") or {}
    base = check_label(label).partition(AUTHOR_SEPARATOR)[0]
    version = labels.get(label) or labels.get(base) or labels.get(DEFAULT_LABEL)
    if not version:
        raise RegistryError(f"{name} has no {DEFAULT_LABEL} version: promote one first.")
    return version


def promote(entry: dict[str, Any], name: str, version: str, label: str, known: Iterable[str]) -> LabelMove:
    """Point `label` at `version` (which must exist), remembering the version it named before."""
    check_label(label)
    known = list(known)
    if version not in known:
        raise RegistryError(
            f"{name} has no version {version!r}; versions: {', '.join(version_order(known)) or 'none'}."
        )
    labels = entry.setdefault("labels", {})
    history = entry.setdefault("history", {})
    previous = labels.get(label)
    if previous == version:
        raise RegistryError(f"{label} already names {name} version {version}.")
    stack = history.setdefault(label, [])
    if previous is not None and (not stack or stack[-1] != previous):
        stack.append(previous)  # a label set by hand, outside promote: keep it reachable
    stack.append(version)
    labels[label] = version
    return LabelMove(name, label, previous, version)


def rollback_target(entry: dict[str, Any], name: str, label: str) -> str:
    """The version `rollback` would move `label` back to (nothing is changed)."""
    check_label(label)
    stack = (entry.get("history") or {}).get(label) or []
    if len(stack) < 2:
        raise RegistryError(f"{name} has no earlier {label} version to roll back to.")
    return stack[-2]


def rollback(entry: dict[str, Any], name: str, label: str) -> LabelMove:
    """Move `label` back to the version it named before the last promote."""
    target = rollback_target(entry, name, label)
    stack = entry["history"][label]
    previous = stack.pop()
    entry["labels"][label] = target
    return LabelMove(name, label, previous, target)


def check_entry(entry: dict[str, Any], name: str, known: Iterable[str]) -> None:
    """Every label names a known version, and its history ends with it."""
    known = set(known)
    for label, version in (entry.get("labels") or {}).items():
        check_label(label)
        if version not in known:
            raise RegistryError(f"{name}: label {label} names version {version!r}, which does not exist.")
        stack = (entry.get("history") or {}).get(label)
        if stack and stack[-1] != version:
            raise RegistryError(f"{name}: the history of {label} ends with {stack[-1]!r}, not {version!r}.")
    if DEFAULT_LABEL not in (entry.get("labels") or {}):
        raise RegistryError(f"{name} has no {DEFAULT_LABEL} label.")


class RegistryFile:
    """A JSON registry file: read it, or edit it under a lock and replace it atomically, so
    a reader never sees half a file and two promotions at once do not lose one another."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = Path(path).expanduser().resolve()
        self.what = what

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RegistryError(f"The {self.what} registry {self.path} does not exist.") from None
        except (OSError, json.JSONDecodeError) as error:
            raise RegistryError(f"Cannot read the {self.what} registry {self.path}: {error}") from error
        if not isinstance(data, dict):
            raise RegistryError(f"The {self.what} registry {self.path} is not a JSON object.")
        return data

    @contextmanager
    def edit(self) -> Iterator[dict[str, Any]]:
        """Yield the current content; it is written back when the block ends without error."""
        # Lock the folder, not the file: the file is replaced on every write, so a lock on it
        # would be a lock on an inode the next writer no longer opens; the folder stays put
        # (and no lock file is left in the repository).
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
            data = self.read()
            yield data
            self._write(data)
        finally:
            os.close(folder)  # releases the lock

    def _write(self, data: dict[str, Any]) -> None:
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        try:
            partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(partial, self.path)
        finally:
            partial.unlink(missing_ok=True)
