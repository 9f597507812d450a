"""Fixtures of the MYOB sandbox tests; a test module takes them with
``from tests.sandbox.myob_fixtures import *``."""

from __future__ import annotations

import pytest

from apps.sandbox import oauth
from apps.sandbox.companies import company_create
from apps.sandbox.models import Provider
from tests.sandbox.conftest import default_app
from tests.sandbox.myob_helpers import Myob

__all__ = ["au_file", "myob", "myob_app", "myob_token"]


@pytest.fixture
def myob_app(db):
    return default_app(Provider.MYOB)


@pytest.fixture
def au_file(db):
    return company_create(provider=Provider.MYOB, name="Clearwater Plumbing", country="AU")


@pytest.fixture
def myob_token(myob_app, au_file):
    return oauth.token_issue(app=myob_app, company=au_file, scope="sme-company-file")


@pytest.fixture
def myob(live_server, myob_token, settings):
    # MYOB's 8 calls a second would pace the tests; the rate-limit tests set their own.
    settings.SANDBOX_LIMITS = {"myob": {"second": 10_000}}
    client = Myob(live_server.url, myob_token)
    yield client
    client.session.close()
