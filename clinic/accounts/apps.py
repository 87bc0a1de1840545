from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clinic.accounts"
    label = "accounts"
    verbose_name = "Sign-in and devices"

    def ready(self) -> None:
        from clinic.accounts import signals  # noqa: F401  (revoke tokens on password change)
