from typing import Any

from django.core.management.base import BaseCommand

from demo.seed import demo_totp_code, demo_totp_secret


class Command(BaseCommand):
    help = "Print the current two-step sign-in code of the demo admin and verifiers (demo data only)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{demo_totp_code()}  (key {demo_totp_secret()})")
