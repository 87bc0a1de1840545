"""Server-rendered pages (API.md "Pages"); each app keeps its own views in ``views.py``."""

from django.urls import path

from clinic import views

urlpatterns = [
    path("", views.home, name="home"),
]
