"""``manage.py migrate`` as the owning role when ``MIGRATE_DATABASE_URL`` is set.

The app runs as ``DATABASE_URL``'s role; migrations run as the owner's, which creates the
tables (and so owns them, with their triggers), then grants the app's role what it needs and
no more (``clinic.db_roles``). Without ``MIGRATE_DATABASE_URL`` this is Django's own migrate.
"""

from __future__ import annotations

import dj_database_url
from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from clinic.db_roles import grant_app_role

_CONNECTION_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Connects as MIGRATE_DATABASE_URL's role when it is set."

    def handle(self, *args, **options):
        owner_url = getattr(settings, "MIGRATE_DATABASE_URL", None)
        if not owner_url:
            return super().handle(*args, **options)
        connection = connections[options["database"]]
        app_role = connection.settings_dict["USER"]
        owner = dj_database_url.parse(owner_url)
        if owner.get("OPTIONS", {}).get("host") and not owner.get("HOST"):
            owner["HOST"] = owner["OPTIONS"]["host"]  # a socket given as ?host=/path
        saved = {k: connection.settings_dict.get(k) for k in _CONNECTION_KEYS}
        connection.close()
        connection.settings_dict.update({k: owner.get(k) or saved[k] for k in _CONNECTION_KEYS})
        try:
            super().handle(*args, **options)
            if app_role and app_role != connection.settings_dict["USER"]:
                grant_app_role(connection, app_role)
                if options["verbosity"]:
                    self.stdout.write(f"Granted the runtime role {app_role!r} its privileges "
                                      "(the audit trail: SELECT and INSERT only).")
        finally:
            connection.close()
            connection.settings_dict.update(saved)
