"""The layout is the architecture: apps in one-way layers, no import circles, no giant app."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = [
    "config",
    "events",
    "accounts",
    "budgets",
    "people",
    "feature_requests",
    "commitments",
    "reviews",
    "api",
    "webhooks",
    "slack_app",
    "crm",
    "demo",
]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_layers_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout
    assert "Contracts: 1 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("budgets/models.py", "from commitments.models import Commitment"),
        ("feature_requests/services.py", "from commitments.board import board_for"),
        # Hidden in a function is still an import the contract sees.
        ("events/dispatch.py", "def _sneaky():\n    from accounts.models import User\n"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + "\n" + upward + "\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "Contracts: 0 kept, 1 broken." in result.stdout
    lower, higher = module.split("/")[0], upward.split("from ")[1].split(".")[0]
    assert f"{lower} is not allowed to import {higher}" in result.stdout


def test_no_module_imports_itself_through_a_circle():
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*APPS)
    modules = {module for module in graph.modules if ".migrations" not in module}
    circles = [
        (module, imported)
        for module in sorted(modules)
        for imported in graph.find_modules_directly_imported_by(module)
        if imported in modules
        and imported != module
        and graph.chain_exists(importer=imported, imported=module)
    ]
    assert circles == []


def test_no_app_holds_more_than_a_third_of_the_code():
    def lines(app: str) -> int:
        return sum(
            len(path.read_text().splitlines())
            for path in (ROOT / app).rglob("*.py")
            if "migrations" not in path.parts
        )

    sizes = {app: lines(app) for app in APPS}
    total = sum(sizes.values())
    assert all(size <= total / 3 for size in sizes.values()), sizes
