"""Labels with history: promote remembers, rollback steps back, and the file is written whole."""

from __future__ import annotations

import json
import threading

import pytest

from postgraph.registry import labels as lbl
from postgraph.registry.labels import RegistryError, RegistryFile, author_label, author_slug, check_label, current


def entry() -> dict:
    return {"labels": {"production": "1"}, "history": {"production": ["1"]}}


def test_promote_then_rollback_returns_to_the_previous_version() -> None:
    e = entry()
    move = lbl.promote(e, "draft", "2", "production", ["1", "2"])
    assert (move.previous, move.current) == ("1", "2")
    assert e["labels"]["production"] == "2" and e["history"]["production"] == ["1", "2"]
    back = lbl.rollback(e, "draft", "production")
    assert (back.previous, back.current) == ("2", "1")
    assert e["labels"]["production"] == "1" and e["history"]["production"] == ["1"]


def test_rollback_walks_back_through_several_promotions() -> None:
    e = entry()
    for version in ("2", "3", "4"):
        lbl.promote(e, "draft", version, "production", ["1", "2", "3", "4"])
    assert [lbl.rollback(e, "draft", "production").current for _ in range(3)] == ["3", "2", "1"]


def test_promote_to_an_unknown_version_names_the_known_ones() -> None:
    with pytest.raises(RegistryError, match=r"no version '7'; versions: 1, 2, 10"):
        lbl.promote(entry(), "draft", "7", "production", ["10", "2", "1"])


def test_rollback_without_history_is_refused() -> None:
    with pytest.raises(RegistryError, match="no earlier production version"):
        lbl.rollback(entry(), "draft", "production")
    with pytest.raises(RegistryError, match="no earlier staging version"):
        lbl.rollback(entry(), "draft", "staging")


def test_unknown_labels_and_repeated_promotions_are_refused() -> None:
    with pytest.raises(RegistryError, match="Unknown label 'prod'"):
        lbl.promote(entry(), "draft", "1", "prod", ["1"])
    with pytest.raises(RegistryError, match="already names draft version 1"):
        lbl.promote(entry(), "draft", "1", "production", ["1"])


def test_a_label_set_by_hand_stays_reachable_by_rollback() -> None:
    e = {"labels": {"production": "2"}, "history": {}}
    lbl.promote(e, "draft", "3", "production", ["1", "2", "3"])
    assert lbl.rollback(e, "draft", "production").current == "2"


def test_a_missing_label_falls_back_to_production() -> None:
    e = entry()
    assert lbl.current(e, "draft", "staging") == "1"
    lbl.promote(e, "draft", "2", "staging", ["1", "2"])
    assert lbl.current(e, "draft", "staging") == "2" and lbl.current(e, "draft", "production") == "1"
    with pytest.raises(RegistryError, match="no production version"):
        lbl.current({"labels": {}}, "draft", "production")


def test_versions_sort_as_numbers() -> None:
    assert lbl.version_order(["10", "2", "1", "b"]) == ["1", "2", "10", "b"]
    assert lbl.next_version(["1", "10", "2"]) == "11" and lbl.next_version([]) == "1"


def test_check_entry_finds_labels_on_missing_versions_and_broken_history() -> None:
    lbl.check_entry(entry(), "draft", ["1"])
    with pytest.raises(RegistryError, match="names version '1', which does not exist"):
        lbl.check_entry(entry(), "draft", ["2"])
    with pytest.raises(RegistryError, match="history of production ends with '2'"):
        lbl.check_entry({"labels": {"production": "1"}, "history": {"production": ["1", "2"]}}, "draft", ["1", "2"])


def test_registry_file_edits_are_written_atomically_and_not_lost(tmp_path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"versions": {}}))
    registry = RegistryFile(path, "test")

    def add(n: int) -> None:
        with registry.edit() as data:
            data["versions"][str(n)] = n

    threads = [threading.Thread(target=add, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(registry.read()["versions"], key=int) == [str(n) for n in range(16)]
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no lock or partial file left


def test_a_failed_edit_leaves_the_file_as_it_was(tmp_path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"a": 1}')
    with pytest.raises(RuntimeError), RegistryFile(path, "test").edit() as data:
        data["a"] = 2
        raise RuntimeError("boom")
    assert json.loads(path.read_text()) == {"a": 1}


def test_missing_or_malformed_files_are_clear_errors(tmp_path) -> None:
    with pytest.raises(RegistryError, match="does not exist"):
        RegistryFile(tmp_path / "none.json", "model").read()
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(RegistryError, match="Cannot read the model registry"):
        RegistryFile(tmp_path / "bad.json", "model").read()



def test_author_labels_are_the_label_and_the_authors_slug() -> None:
    assert author_slug("Marisol Quenby") == "marisol-quenby"
    assert author_label("production", "Marisol Quenby") == "production:marisol-quenby"
    assert author_label("candidate", None) == author_label("candidate", "") == "candidate"
    assert check_label("staging:ilse-varnholt") == "staging:ilse-varnholt"
    for bad in ("nightly", "nightly:ravi-okonjo", "production:", "production:Ravi"):
        with pytest.raises(RegistryError, match="Unknown label"):
            check_label(bad)


def test_an_author_label_falls_back_to_its_plain_label_then_production() -> None:
    entry = {"labels": {"production": "1", "candidate": "2", "production:ravi-okonjo": "3"}}
    assert current(entry, "drafter", "production:ravi-okonjo") == "3"
    assert current(entry, "drafter", "candidate:ravi-okonjo") == "2"
    assert current(entry, "drafter", "staging:hana-brightwater") == "1"
