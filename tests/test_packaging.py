"""The project's own files install what it needs, and the two dependency lists agree."""

from __future__ import annotations

import re

import tomllib

from dxnb.paths import PROJECT_ROOT


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return dict(re.fullmatch(r"([A-Za-z0-9_.-]+)(.*)", r).groups() for r in requirements)


def _conda_requirements() -> dict[str, str]:
    found = {}
    text = (PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8")
    dependencies = text.split("dependencies:", 1)[1]
    for line in dependencies.splitlines():
        match = re.fullmatch(r"  - ([A-Za-z0-9_.-]+)(>=[^\s#]+)?", line)
        if match and match.group(1) not in ("python", "pip"):
            found[match.group(1)] = match.group(2) or ""
    return found


def test_environment_yml_matches_pyproject():
    assert _conda_requirements() == _pyproject_requirements()


def test_every_requirement_has_a_lower_bound():
    for name, spec in _pyproject_requirements().items():
        assert spec.startswith(">="), f"{name} needs a lower bound"


def test_layout():
    for folder in ("notebooks", "dxnb", "data", "reports", "tests"):
        assert (PROJECT_ROOT / folder).is_dir()
    assert (PROJECT_ROOT / "environment.yml").is_file()
    assert (PROJECT_ROOT / ".ci" / "run").is_file()
