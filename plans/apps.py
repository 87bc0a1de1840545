from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Treatment plans"

    def ready(self) -> None:
        from clinic.accounts.breakglass import care_team_check
        from plans.selectors import prescribes_for

        care_team_check(prescribes_for)
