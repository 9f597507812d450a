"""Production settings as an operator writes them: the README's production variables pass
``manage.py check --deploy`` cleanly, and the sandbox's published keys, credentials and endpoints
are refused at start unless the sandbox is explicitly on. Each case starts a fresh process with
only the variables it names (settings are read once, at start)."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def readme_production_variables() -> dict[str, str]:
    """The README's "Production" example, placeholders (``<…>``) filled with stand-ins."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"### Production\n.*?```sh\n(.*?)```", readme, re.S).group(1)
    stand_ins = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://ledgerlink:secret@db.example.com:5432/ledgerlink",
        "REDIS_URL": "redis://cache.example.com:6379/0",
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    variables = {}
    for line in block.strip().splitlines():
        name, value = line.split("=", 1)
        if value.startswith("<"):
            value = stand_ins.get(name, f"production-{name.lower()}-{secrets.token_hex(8)}")
        variables[name] = value
    return variables


def run(args: list[str], **variables: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT / "var"), "PYTHONPATH": str(ROOT)}
    env.update(variables)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def start(**variables: str) -> subprocess.CompletedProcess:
    """Load the settings as every process does at start."""
    return run(["-c", "import config.settings"], **variables)


def test_check_deploy_is_clean_with_the_readme_production_variables():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **readme_production_variables(),
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_with_the_sandbox_webhook_verifier():
    variables = readme_production_variables() | {
        "QBO_WEBHOOK_VERIFIER": "ledgerlink-local-qbo-verifier"
    }

    result = run(["manage.py", "check", "--deploy"], **variables)

    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: QBO_WEBHOOK_VERIFIER is the built-in sandbox's published value"
        in result.stderr
    )


@pytest.mark.parametrize(
    "name, value",
    [
        ("XERO_WEBHOOK_KEY", "ledgerlink-local-xero-webhook-key"),
        ("XERO_CLIENT_SECRET", "ledgerlink-local-xero-secret"),
        ("QBO_CLIENT_ID", "ledgerlink-local-qbo"),
        ("QBO_API_BASE", "https://ledger.example.com/sandbox/quickbooks/v3"),
        ("XERO_TOKEN_URL", "http://127.0.0.1:8000/sandbox/xero/identity/connect/token"),
    ],
)
def test_production_refuses_each_sandbox_value_naming_the_variable(name, value):
    result = start(**readme_production_variables() | {name: value})

    assert result.returncode != 0
    assert f"{name} is the built-in sandbox's published value" in result.stderr


def test_production_refuses_a_missing_provider_variable_instead_of_using_the_sandbox():
    variables = readme_production_variables()
    del variables["XERO_WEBHOOK_KEY"]

    result = start(**variables)

    assert result.returncode != 0
    assert "XERO_WEBHOOK_KEY must be set when the sandbox is off" in result.stderr


def test_production_refuses_a_plain_http_site_url():
    result = start(**readme_production_variables() | {"SITE_URL": "http://ledger.example.com"})

    assert "SITE_URL must be an https:// URL" in result.stderr


def test_an_explicitly_enabled_sandbox_may_use_its_own_values_with_debug_off():
    variables = {
        key: value
        for key, value in readme_production_variables().items()
        if not key.startswith(("QBO_", "XERO_"))
    }
    script = "import config.settings as s; print(s.QBO_WEBHOOK_VERIFIER, s.SECURE_SSL_REDIRECT)"

    result = run(
        ["-c", script],
        **variables | {"SANDBOX_ENABLED": "true", "SITE_URL": "http://127.0.0.1:8000"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ledgerlink-local-qbo-verifier", "False"]
