"""The import layers of docs/architecture.md hold: each contract of ``[tool.importlinter]`` in
pyproject.toml is one test, which fails with import-linter's report (the imports that break it).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"
]


def lint_imports(contract_id: str) -> subprocess.CompletedProcess:
    """``lint-imports`` for one contract, run on this checkout (it reads the working
    directory's packages first)."""
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(command), "--no-cache", "--no-logo", "--contract", contract_id],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("contract", CONTRACTS, ids=[c["id"] for c in CONTRACTS])
def test_import_contract_is_kept(contract):
    result = lint_imports(contract["id"])

    assert result.returncode == 0, f"{contract['name']}:\n{result.stdout}{result.stderr}"
    assert "1 kept, 0 broken" in result.stdout


def test_the_layer_check_reports_an_import_that_breaks_a_layer(tmp_path):
    """The check is not vacuous: the same layers, on a copy where a hub app imports the engine,
    are reported broken, naming the import."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    (copy / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    for package in ("apps", "config"):
        _copy_sources(ROOT / package, copy / package)
    services = copy / "apps" / "catalog" / "services.py"
    services.write_text(services.read_text() + "\nfrom apps.sync import recorder  # noqa\n")
    command = Path(sys.executable).with_name("lint-imports")

    result = subprocess.run(
        [str(command), "--no-cache", "--no-logo", "--contract", "hub-apps-below-the-engine"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "apps.catalog.services -> apps.sync.recorder" in result.stdout


def _copy_sources(source: Path, target: Path) -> None:
    for path in source.rglob("*.py"):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(path.read_text())
