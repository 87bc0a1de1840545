from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "clinic.idempotency"
    label = "idempotency"
    verbose_name = "Idempotent requests"
