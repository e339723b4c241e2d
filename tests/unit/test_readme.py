"""The README documents every setting and the two commands it promises."""

from postgraph.settings import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [f"POSTGRAPH_{name.upper()}" for name in Settings.model_fields if f"`POSTGRAPH_{name.upper()}`" not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    assert "scripts/test.sh" in README and "scripts/main.sh" in README
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci
