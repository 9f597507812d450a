"""The sandboxes are a development tool: with ``SANDBOX_ENABLED`` off (production) the app
starts, migrates and serves without them, and none of their code is loaded. Run in a fresh
process with the README's production variables (settings are read once, at start)."""

from __future__ import annotations

import json

from tests.common.test_production_settings import readme_production_variables, run

# Runs in the child process: start, migrate, serve a signed-in page and the sandbox's address,
# load the Celery tasks, and report what was loaded.
PRODUCTION_PROCESS = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test import Client
call_command("migrate", verbosity=0)
import config.urls
from config.celery import app
app.loader.import_default_modules()
from tests.factories import OrganisationFactory, UserFactory
client = Client(HTTP_HOST="ledger.example.com")
client.force_login(UserFactory(organisation=OrganisationFactory()))
dashboard = client.get("/", secure=True)
print(json.dumps({
    "dashboard": dashboard.status_code,
    "sandbox_link": "/sandbox/" in dashboard.content.decode(),
    "sandbox_page": client.get("/sandbox/", secure=True).status_code,
    "sandbox_tables": [t for t in connection.introspection.table_names() if "sandbox" in t],
    "sandbox_tasks": sorted(name for name in app.tasks if name.startswith("sandbox")),
    "engine_tasks_loaded": "apps.sync.tasks" in sys.modules,
    "sandbox_modules": sorted(m for m in sys.modules if m.startswith("apps.sandbox")),
}))
"""


def test_production_serves_and_migrates_without_loading_the_sandbox(tmp_path):
    variables = readme_production_variables() | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "REDIS_URL": "",
    }

    result = run(["-c", PRODUCTION_PROCESS], DJANGO_SETTINGS_MODULE="config.settings", **variables)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "dashboard": 200,
        "sandbox_link": False,
        "sandbox_page": 404,
        "sandbox_tables": [],
        "sandbox_tasks": [],
        "engine_tasks_loaded": True,
        "sandbox_modules": [],
    }
