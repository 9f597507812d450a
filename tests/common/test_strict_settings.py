"""Booleans and numbers from the environment are read strictly: a value a setting does not accept
stops the application at start, naming the variable and what it accepts, instead of being read
as False (``DEBUG=maybe``) or taken whatever its sign. Each case starts a fresh process with only
the variables it names, since settings are read once, at start."""

from __future__ import annotations

import pytest

from .test_production_settings import run, start


def setting_values(names: list[str], **variables: str) -> list[str]:
    script = f"import config.settings as s; print(*(getattr(s, n) for n in {names!r}))"
    result = run(["-c", script], **variables)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


BOOLEAN = "true or false (also yes/no, on/off, 1/0)"


@pytest.mark.parametrize(
    "name, value, accepts",
    [
        ("DEBUG", "maybe", BOOLEAN),
        ("DEBUG", "", BOOLEAN),
        ("SANDBOX_ENABLED", "sometimes", BOOLEAN),
        ("CELERY_TASK_ALWAYS_EAGER", "2", BOOLEAN),
        ("SECURE_HSTS_PRELOAD", "enabled", BOOLEAN),
        ("CONN_MAX_AGE", "abc", "a whole number of at least 0"),
        ("CONN_MAX_AGE", "-1", "a whole number of at least 0"),
        ("SYNC_PULL_INTERVAL_SECONDS", "-300", "a whole number of at least 1"),
        ("SYNC_PULL_INTERVAL_SECONDS", "0", "a whole number of at least 1"),
        ("SYNC_PULL_INTERVAL_SECONDS", "2.5", "a whole number of at least 1"),
        ("SYNC_CLAIM_TIMEOUT_SECONDS", "-5", "a whole number of at least 1"),
        ("SYNC_EXPORT_PAGE_SIZE", "0", "a whole number of at least 1"),
        ("SECURE_HSTS_SECONDS", "-1", "a whole number of at least 0"),
        ("SYNC_BACKOFF_BASE_SECONDS", "-5", "a number greater than 0"),
        ("SYNC_BACKOFF_MAX_SECONDS", "-1", "a number of at least 0"),
        ("SYNC_BACKOFF_MAX_SECONDS", "2", "at least SYNC_BACKOFF_BASE_SECONDS (5)"),
        ("SANDBOX_RATE_WINDOW_SECONDS", "-60", "a number greater than 0"),
        ("SANDBOX_RATE_WINDOW_SECONDS", "0", "a number greater than 0"),
        ("SANDBOX_RATE_WINDOW_SECONDS", "nan", "a number greater than 0"),
        ("SANDBOX_FAULT_TIMEOUT_SECONDS", "soon", "a number of at least 0"),
    ],
)
def test_an_invalid_boolean_or_number_stops_the_start_naming_the_variable(name, value, accepts):
    result = start(**{name: value})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be {accepts}; got " in result.stderr


def test_the_accepted_spellings_of_booleans_are_read_as_meant():
    spellings = {
        "DEBUG": "Yes",
        "SANDBOX_ENABLED": "ON",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "SECURE_HSTS_PRELOAD": " FALSE ",
        "SESSION_COOKIE_SECURE": "off",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
    }

    values = setting_values(list(spellings), **spellings)

    assert values == ["True", "True", "True", "False", "False", "False"]


def test_valid_numbers_are_read_and_unset_ones_keep_their_defaults():
    names = [
        "SYNC_PULL_INTERVAL_SECONDS",
        "SYNC_BACKOFF_BASE_SECONDS",
        "SANDBOX_RATE_WINDOW_SECONDS",
        "SYNC_CLAIM_TIMEOUT_SECONDS",
    ]

    values = setting_values(
        names,
        SYNC_PULL_INTERVAL_SECONDS="120",
        SYNC_BACKOFF_BASE_SECONDS="0.5",
        SANDBOX_RATE_WINDOW_SECONDS="2",
    )

    assert values == ["120", "0.5", "2.0", "300"]
