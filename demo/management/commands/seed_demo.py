from typing import Any

from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the register, the reference instrument, a current period and demo accounts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = seed_demo()
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for account in accounts:
            suffix = f" · {account.institution}" if account.institution else ""
            self.stdout.write(f"  {account.role:9} {account.email}{suffix}")
