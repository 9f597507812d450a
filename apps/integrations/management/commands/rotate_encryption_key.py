"""Re-encrypt every stored token with the first key of TOKEN_ENCRYPTION_KEYS.

Rotation: generate a key (--generate), put it first in TOKEN_ENCRYPTION_KEYS with the old key
after it, deploy, run this command, then remove the old key.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.integrations import crypto
from apps.integrations.services import tokens_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every integration token with the newest TOKEN_ENCRYPTION_KEYS key."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--generate", action="store_true", help="Print a new key and change nothing."
        )

    def handle(self, *args, generate: bool = False, **options) -> None:
        if generate:
            self.stdout.write(crypto.key_generate())
            return
        try:
            count = tokens_reencrypt()
        except crypto.TokenDecryptError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the tokens of {count} integration(s)."))
