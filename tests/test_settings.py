"""Settings parse the environment strictly and say how to fix a bad value."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, **env}, timeout=120,
    )


def test_bad_boolean_names_the_variable_and_the_fix():
    result = run_check(DEBUG="sometimes")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG is invalid" in result.stderr
    assert "Use true or false" in result.stderr


def test_bad_database_url_is_explained():
    result = run_check(DATABASE_URL="mysqlish://nowhere")
    assert result.returncode != 0
    assert "DATABASE_URL is invalid" in result.stderr


def test_defaults_need_no_services():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
