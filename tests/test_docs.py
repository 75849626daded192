"""The README documents every command and every rule the code reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
COMMANDS = cli.list_commands(None)  # type: ignore[arg-type]


def test_readme_starts_with_the_two_commands() -> None:
    block = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert block is not None and README.index(block.group(0)) < 200
    lines = block.group(1).strip().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("incidentkb build") and lines[1].endswith("pytest")


def test_ci_runs_the_readmes_test_command() -> None:
    test_command = re.search(r"```sh\n.*\n(.*)\n```", README).group(1)  # type: ignore[union-attr]
    assert test_command in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "--root" in result.output
    assert f"`incidentkb {name}" in README


def test_every_rule_in_the_golden_files_is_in_the_readme() -> None:
    rules = {f["rule"] for p in (ROOT / "tests" / "golden").rglob("*.json")
             for f in json.loads(p.read_text())}
    documented = set(re.findall(r"^\| `([a-z-]+)` \| (?:error|warning) \|", README, re.MULTILINE))
    assert rules <= documented
