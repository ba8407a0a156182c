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


#: conda-forge names of packages whose PyPI name differs.
CONDA_NAMES = {"playwright-python": "playwright"}


def _conda_requirements() -> dict[str, str]:
    found = {}
    text = (PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8")
    dependencies = text.split("dependencies:", 1)[1]
    for line in dependencies.splitlines():
        match = re.fullmatch(r"  - ([A-Za-z0-9_.-]+)(>=[^\s#]+)?", line)
        if match and match.group(1) not in ("python", "pip"):
            found[CONDA_NAMES.get(match.group(1), match.group(1))] = match.group(2) or ""
    return found


def test_environment_yml_matches_pyproject():
    assert _conda_requirements() == _pyproject_requirements()


def test_pdf_extra_is_in_the_test_extra():
    extras = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert set(extras["pdf"]) == {"playwright>=1.44", "pypdf>=4"}
    assert set(extras["pdf"]) <= set(extras["test"])


def test_ci_installs_chromium_and_vietnamese_fonts():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"apt-get install .*chromium fonts-dejavu-core", ci)


def test_every_requirement_has_a_lower_bound():
    for name, spec in _pyproject_requirements().items():
        assert spec.startswith(">="), f"{name} needs a lower bound"


def test_layout():
    for folder in ("notebooks", "dxnb", "data", "reports", "tests"):
        assert (PROJECT_ROOT / folder).is_dir()
    assert (PROJECT_ROOT / "environment.yml").is_file()
    assert (PROJECT_ROOT / ".ci" / "run").is_file()


def _setuptools_config() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_data_file_of_the_package_is_declared():
    """Files under dxnb/ that are not Python (templates, catalogues...) must match a package-data pattern."""
    package = PROJECT_ROOT / "dxnb"
    patterns = _setuptools_config()["package-data"]["dxnb"]
    declared = {path for pattern in patterns for path in package.glob(pattern) if path.is_file()}
    data = {
        path
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    }
    assert data, "dxnb ships templates and catalogues"
    assert not data - declared, f"add package-data patterns for {sorted(str(p) for p in data - declared)}"
    assert {p.relative_to(package).as_posix() for p in declared} >= {
        "locale/vi/LC_MESSAGES/dxnb.mo",
        "locale/en/LC_MESSAGES/dxnb.mo",
        "templates/report.css",
    }


def test_data_folders_are_found_as_packages():
    """Listing only "dxnb" as a package makes setuptools warn about every data folder; find them instead."""
    config = _setuptools_config()
    assert isinstance(config["packages"], dict), "use [tool.setuptools.packages.find], not a list of packages"
    assert config["packages"]["find"]["include"] == ["dxnb", "dxnb.*"]
