"""An e-mail backend for the worker-killed test: it announces that it is sending (a marker
file), then takes its time, so the test can kill the worker in the middle of a delivery."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.mail.backends import filebased


class EmailBackend(filebased.EmailBackend):
    def send_messages(self, email_messages):
        marker = os.environ.get("SLOW_MAIL_MARKER")
        if marker:
            Path(marker).write_text("sending")
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "0")))
        return super().send_messages(email_messages)
