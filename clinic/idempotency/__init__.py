"""Idempotent API writes: a retry with the same ``Idempotency-Key`` gets the first answer.

Use ``clinic.idempotency.api.idempotent`` on a view's ``post``. See ``services`` for the rule.
"""
