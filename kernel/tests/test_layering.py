"""The kernel sits below every app: its clock code imports none of the project's apps, and
the apps take their clocks from it rather than from each other."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APPS = (set(settings.PROJECT_APPS) - {"kernel"}) | {"switching_sm"}


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_the_clock_kernel_imports_none_of_the_apps():
    for path in (ROOT / "kernel" / "clocks").glob("*.py"):
        assert not set(_imports(path)) & APPS, path


def test_request_clocks_use_the_kernel_engine_not_the_incident_one():
    imported = set(_imports(ROOT / "servicerequests" / "clocks.py"))
    assert "kernel" in imported and "incidents" not in imported
    catalogue = set(_imports(ROOT / "servicerequests" / "models" / "catalogue.py"))
    assert "incidents" not in catalogue  # units come from the kernel too
