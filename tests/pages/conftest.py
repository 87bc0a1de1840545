"""Page tests sign in with Django's test client (session cookie), as a browser does."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def web():
    """``web(user)`` -> a test Client signed in as that user; ``web()`` is signed out."""

    def client_for(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return client_for


HTMX = {"HTTP_HX_REQUEST": "true"}
