from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts import checks  # noqa: F401 - registers the deploy checks
        from accounts.middleware import session_policy_start

        # The session's clock starts at sign-in (so the first page after it saves nothing).
        user_logged_in.connect(session_policy_start, dispatch_uid="accounts.session_policy_start")
