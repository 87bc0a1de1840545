"""The server-rendered pages that show several apps at once: each role's home, the patient
search and page, and the plan card with its log-session and raise-a-ticket forms.

Part of the project wiring (docs/architecture.md): these views may import every app, and
compose their context from the apps' selectors, services and forms, never from another app's
views. Pages that belong to one app stay in that app's ``views.py``.
"""
