from django.apps import AppConfig


class TherapySessionsConfig(AppConfig):
    # The folder is "sessions"; the label must differ from django.contrib.sessions' "sessions".
    name = "sessions"
    label = "therapy_sessions"
    verbose_name = "Therapy sessions"

    def ready(self) -> None:
        from sessions import receivers  # noqa: F401 - connects the sessions' signal receivers
