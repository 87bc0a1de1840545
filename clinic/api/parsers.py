"""The API's only parser: JSON, read with limits so bad input is a 4xx and never a 500.

DRF's own ``JSONParser`` streams the body straight into ``json.load``: it bypasses Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (so a huge body is read whole), and a deeply nested document
(``[[[[...]]]]`` ten thousand deep) escapes as ``RecursionError``, a 500. Here the body is read
up to the limit (413 beyond), decoding errors of any kind are a 400, and documents nested
deeper than any of our payloads could need are refused before a serializer walks them.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.utils.json import strict_constant


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


# Our deepest legitimate payload is an object holding a list of strings (depth 2).
MAX_JSON_DEPTH = 32


def json_depth_exceeds(data, limit: int) -> bool:
    """True when containers nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = body_limit()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"The body is not valid {encoding} text.") from exc
        try:
            parse_constant = strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc
        except ValueError as exc:  # JSONDecodeError, and ints longer than Python converts
            raise ParseError(f"JSON parse error - {exc}") from exc
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(
                f"JSON parse error - the document is nested deeper than {MAX_JSON_DEPTH} levels.")
        return data
