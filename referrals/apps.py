from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Consult tickets"

    def ready(self) -> None:
        from clinic.accounts.breakglass import care_team_check
        from referrals.selectors import covers_for

        care_team_check(covers_for)
