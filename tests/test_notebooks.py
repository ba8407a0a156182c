"""Notebooks: stored clean and thin, and executed with papermill under non-default parameters.

nbval also executes every notebook in ``notebooks/`` (``--nbval-lax``, configured in pyproject.toml).
"""

from __future__ import annotations

import ast
import json

import papermill as pm
import pytest

from dxnb.paths import NOTEBOOKS_DIR, PROJECT_ROOT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
REPORT = NOTEBOOKS_DIR / "commune_report.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    parameters = [c for c in code_cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(parameters) == 1, "exactly one parameters cell"
    for node in ast.parse("".join(parameters[0]["source"])).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), "parameters are literals"
    for cell in code_cells:
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.Lambda)), (
                f"{path.name}: logic belongs in dxnb, not in the notebook"
            )


def _run(run_notebook, tmp_path, name="out.ipynb", **parameters):
    output = tmp_path / name
    run_notebook(REPORT, output, parameters=parameters, cwd=tmp_path)
    return output.read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_runs_from_another_directory_with_defaults(notebook_runner, tmp_path):
    text = _run(notebook_runner, tmp_path)
    for fragment in ("92,4%", "90,6%", "1.083", "14 kế hoạch", "145 phút", "640 lượt"):
        assert fragment in text, fragment


@pytest.mark.slow
def test_report_runs_for_another_unit_in_english(notebook_runner, tmp_path):
    data_dir = str(PROJECT_ROOT / "data")
    text = _run(notebook_runner, tmp_path, unit_code="25858", period="2023", lang="en", data_dir=data_dir)
    assert "Phước Vĩnh township — 2023" in text
    assert "Overall index" in text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"unit_code": 25882}, "unit_code phải là một dãy chữ số"),  # lang="vi": Vietnamese
        ({"unit_code": "99999"}, "Không có đơn vị nào mã '99999'"),
        ({"period": "2019"}, "không có số liệu năm 2019"),
        ({"period": "2019", "lang": "en"}, "has no data for period 2019"),
        ({"lang": "fr"}, "lang must be one of vi, en"),
    ],
)
def test_bad_parameters_fail_the_run_with_a_clear_message(notebook_runner, tmp_path, parameters, message):
    with pytest.raises(pm.PapermillExecutionError) as caught:
        _run(notebook_runner, tmp_path, **parameters)
    assert message in str(caught.value)
    saved = (tmp_path / "out.ipynb").read_text(encoding="utf-8")
    assert message in saved
    assert "Vĩnh Hòa — năm 2024" not in saved, "no silent report for the default commune"
