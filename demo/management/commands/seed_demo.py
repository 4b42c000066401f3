from typing import Any

from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, demo_totp_secret, seed_demo
from demo.survey import DEMO_SURVEY_CODE


class Command(BaseCommand):
    help = "Load the register, the reference instrument, a current period and demo accounts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = seed_demo()
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for account in accounts:
            suffix = f" · {account.institution}" if account.institution else ""
            self.stdout.write(f"  {account.role:9} {account.email}{suffix}")
        self.stdout.write(
            f"Admin and verifiers sign in with a second step: add the key {demo_totp_secret()} to an "
            "authenticator app, or run `python manage.py demo_totp` for the current code."
        )
        from surveys.models import Survey

        survey = Survey.objects.filter(assessment__institution__code=DEMO_SURVEY_CODE).order_by("-pk").first()
        if survey is not None:
            self.stdout.write(
                f"Staff survey of {survey.assessment.institution.name} (open, no sign-in): /s/{survey.public_id}/"
            )
