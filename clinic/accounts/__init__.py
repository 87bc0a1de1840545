"""Accounts: API tokens (django-rest-knox) and the second factor (django-otp)."""
