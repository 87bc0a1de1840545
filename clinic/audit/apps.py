from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "clinic.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Sign-ins, failed sign-ins, lockouts and permission changes arrive as signals.
        from clinic.audit import signals  # noqa: F401
