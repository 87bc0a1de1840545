from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response

# A list that grows with a clinic's history counts at most this many rows: the number a page
# shows ("1000+") costs the same in the first week and the tenth year.
COUNT_CAP = 1000


class CappedCountPaginator(Paginator):
    """Django's paginator, counting no further than the page asked for needs.

    It counts up to ``COUNT_CAP`` rows, or up to the end of the requested page when that is
    further, plus one (is there a next page?): never ``COUNT(*)`` over a clinic's whole
    history (20,000 plans, thousands of tickets). ``capped`` says there are more rows than
    counted. Any page number still works: each costs what OFFSET paging costs anyway.
    """

    reach = COUNT_CAP
    capped = False

    def validate_number(self, number):
        try:
            asked = int(number)
        except (TypeError, ValueError):
            asked = 1
        # Before count is first read. Bounded: a LIMIT must fit PostgreSQL's bigint (a page
        # that far is past the end anyway, and answers 404 as before).
        self.reach = max(COUNT_CAP, min(asked, 10**9) * self.per_page)
        return super().validate_number(number)

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "values"):  # a QuerySet: count a bounded slice, no ORDER BY
            counted = rows.order_by().values("pk")[:self.reach + 1].count()
        else:
            counted = len(rows)
        self.capped = counted > self.reach
        return counted

    @property
    def shown_count(self) -> int:
        """The count to show: exact, or the rows counted when there are more."""
        return self.reach if self.capped else self.count


class Pagination(PageNumberPagination):
    """``{"count", "count_capped", "next", "previous", "results"}``; ``?page_size=`` up to
    200. ``count`` is exact up to ``COUNT_CAP`` (or the end of the page asked for) and
    ``count_capped`` says when there are more (``CappedCountPaginator``)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response({
            "count": paginator.shown_count,
            "count_capped": paginator.capped,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            f"exact up to {COUNT_CAP} (or to the end of the page asked for)")
        response["properties"]["count_capped"] = {
            "type": "boolean", "description": "true when there are more rows than counted"}
        response["required"] = [*response.get("required", []), "count_capped"]
        return response


class HistoryCursorPagination(CursorPagination):
    """Keyset pagination for lists that grow without bound (sessions, audit, notifications).

    ``{"next", "previous", "results", "count", "count_capped"}``: ``next``/``previous`` are
    opaque URLs (``?cursor=``); a page costs an index range scan from the cursor, never an
    OFFSET or a COUNT(*) over the whole history. ``count`` is exact up to ``COUNT_CAP`` and
    ``count_capped`` says when there are more. The view sets ``ordering``: a tuple whose
    first field is the cursor's position (DRF tells rows with an equal position apart by an
    offset), the rest break ties so the order is stable. A cursor that was not made by us is
    a 400 naming ``cursor`` (DRF's default is a 404).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-id",)

    def _paginate(self, queryset, request, view=None):
        ordering = getattr(view, "cursor_ordering", None)
        if ordering:
            self.ordering = ordering
        page_size = self.get_page_size(request)
        if page_size:
            # One bounded query: how many rows, up to the cap (ordering dropped: no sort).
            capped = queryset.order_by().values("pk")[:COUNT_CAP + 1]
            self.capped_count = capped.count()
        return super().paginate_queryset(queryset, request, view)

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model  # decode_cursor checks a position against its field
        return self._paginate(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)  # DRF raises NotFound("Invalid cursor")
            if cursor is not None and cursor.position is not None:
                # A well-formed cursor whose position is not a value of the ordering field
                # (made by hand) would fail in the query: refuse it here, as a 400.
                field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
                field.to_python(cursor.position)
            return cursor
        except Exception as exc:
            raise ValidationError({"cursor": ["Invalid cursor: follow the next or previous "
                                              "link of a page."]}) from exc

    def get_paginated_response(self, data):
        count = getattr(self, "capped_count", 0)
        return Response({
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "count": min(count, COUNT_CAP),
            "count_capped": count > COUNT_CAP,
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"] = {"type": "integer", "maximum": COUNT_CAP,
                                           "description": f"exact up to {COUNT_CAP}"}
        response["properties"]["count_capped"] = {
            "type": "boolean", "description": f"true when there are more than {COUNT_CAP}"}
        return response
