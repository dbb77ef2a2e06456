"""The picture in docs/architecture.md stays true: layers, one list of apps, shared pieces."""

import re
import subprocess
import sys
import tomllib
from importlib.util import find_spec
from pathlib import Path

from django.apps import apps
from django.conf import settings

from kernel.transitions import InvalidTransition

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_no_import_runs_up_a_layer_and_no_app_has_an_import_cycle():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout


def test_every_project_app_sits_in_exactly_one_layer_of_the_contract():
    layers = CONTRACTS["contracts"][0]["layers"]
    placed = [name for layer in layers for name in re.split(r"[|:]", layer.replace(" ", ""))]
    project = ["switching_sm", *settings.PROJECT_APPS]
    assert sorted(placed) == sorted(project)
    assert sorted(CONTRACTS["root_packages"]) == sorted(project)


def test_the_layers_in_the_contract_are_the_order_of_the_one_list_of_apps():
    layers = CONTRACTS["contracts"][0]["layers"]
    position = {name: len(layers) - i for i, layer in enumerate(layers)
                for name in re.split(r"[|:]", layer.replace(" ", ""))}
    order = [position[name] for name in settings.PROJECT_APPS]
    assert order == sorted(order)  # an app never comes before a layer below it


def test_every_apps_transition_error_is_the_kernels():
    for name in settings.PROJECT_APPS:
        if find_spec(f"{name}.errors"):
            error = getattr(__import__(f"{name}.errors", fromlist=["x"]), "InvalidTransition", None)
            assert error is None or issubclass(error, InvalidTransition), name


def test_every_app_with_demo_data_declares_it_and_seed_demo_asks_them_in_layer_order():
    from kernel.management.commands.seed_demo import demo_seeds

    with_demo = [name for name in settings.PROJECT_APPS if find_spec(f"{name}.demo")]
    assert [label for label, _ in demo_seeds()] == with_demo
    assert with_demo[0] == "accounts"  # the people every other app's demo data needs


def test_every_app_with_pages_or_an_api_is_mounted():
    from django.urls import get_resolver

    mounted = {str(p.urlconf_name) for p in get_resolver().url_patterns if hasattr(p, "urlconf_name")}
    # Every app's API routes are in the one /api/v1/ include.
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/")
    for config in (apps.get_app_config(name) for name in settings.PROJECT_APPS):
        if find_spec(f"{config.name}.api_urls"):
            routes = __import__(f"{config.name}.api_urls", fromlist=["x"]).urlpatterns
            assert routes and all(route in api.url_patterns for route in routes), config.name
        if find_spec(f"{config.name}.urls"):
            assert f"{config.name}.urls" in "".join(mounted), config.name
