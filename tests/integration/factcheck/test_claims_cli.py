"""`postgraph claims check` against a source file, in process (typer's runner)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from postgraph.cli import app
from postgraph.settings import PROJECT_ROOT

SOURCE = str(PROJECT_ROOT / "samples" / "corpus" / "retrieval-eval-regression.md")
TEXT = ("MRR fell from 0.87 to 0.71. Recall@10 dropped by about 18%. Evals are underrated. "
        "Did you know the golden set holds roughly 1,200 queries?")


def test_claims_check_prints_each_verdict_and_what_decided_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POSTGRAPH_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["claims", "check", TEXT, "--source", SOURCE, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    verdicts = {c["claim"]: (c["verdict"], c["decided_by"]) for c in data["claims"]}
    assert verdicts["MRR fell from 0.87 to 0.71."] == ("contradicted", "number bound to another value")
    assert verdicts["Recall@10 dropped by about 18%."][0] == "supported"
    assert verdicts["The golden set holds roughly 1,200 queries"][0] == "supported"
    assert data["not_claims"] == [{"sentence": "Evals are underrated.", "kind": "opinion"}]
    assert all(c["passages"] or c["verdict"] != "supported" for c in data["claims"])

    table = CliRunner().invoke(app, ["claims", "check", TEXT, "--source", SOURCE])
    assert table.exit_code == 0 and "contradicted" in table.stdout and "not checked (opinion)" in table.stdout


def test_claims_check_refuses_empty_text_and_a_missing_source(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POSTGRAPH_DATA_DIR", str(tmp_path))
    empty = CliRunner().invoke(app, ["claims", "check", "  ", "--source", SOURCE])
    assert empty.exit_code == 2 and "empty" in empty.stderr
    missing = CliRunner().invoke(app, ["claims", "check", "Recall fell.", "--source", str(tmp_path / "nope.md")])
    assert missing.exit_code == 2 and "[not_found]" in missing.stderr


CHECKER = f"checker:{PROJECT_ROOT / 'models' / 'claim-checker' / 'adapter.gguf'}"
PARAPHRASE = "Nobody checked retrieval quality by hand."


def test_claims_only_similarity_backs_go_to_the_judge_and_none_turns_it_off(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POSTGRAPH_DATA_DIR", str(tmp_path))
    text = f"{PARAPHRASE} MRR fell from 0.87 to 0.71."
    judged = CliRunner().invoke(app, ["claims", "check", text, "--source", SOURCE, "--judge", CHECKER, "--json"])
    assert judged.exit_code == 0, judged.output
    data = json.loads(judged.stdout)
    decided = {c["claim"]: c["decided_by"] for c in data["claims"]}
    assert data["judge"] == CHECKER
    assert decided == {PARAPHRASE: CHECKER, "MRR fell from 0.87 to 0.71.": "number bound to another value"}
    rules = CliRunner().invoke(app, ["claims", "check", text, "--source", SOURCE, "--judge", "none", "--json"])
    assert {c["claim"]: c["decided_by"] for c in json.loads(rules.stdout)["claims"]}[PARAPHRASE] == "similarity"


def test_a_judge_that_cannot_load_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POSTGRAPH_DATA_DIR", str(tmp_path))
    missing = CliRunner().invoke(app, ["claims", "check", PARAPHRASE, "--source", SOURCE,
                                       "--judge", f"checker:{tmp_path / 'none.gguf'}"])
    assert missing.exit_code != 0 and "GGUF file not found" in missing.stderr
