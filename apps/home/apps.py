from __future__ import annotations

from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The staff's home page, a summary over every hub app, and the demo organisation that
    fills them all (``manage.py seed_demo``). It sits above the hub's apps, so the
    organisation and staff (``apps.accounts``) stay below them (docs/architecture.md)."""

    name = "apps.home"
    label = "home"
