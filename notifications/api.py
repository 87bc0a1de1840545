"""REST API for one's own in-app notifications (``/api/notifications/``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.pagination import HistoryCursorPagination
from clinic.api.schema import ERRORS
from clinic.api.throttles import WriteRateThrottle
from notifications.models import Notification
from notifications.selectors import notifications_for
from notifications.services import notification_mark_read


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "ticket", "plan", "created_at", "read", "read_at"]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    # By cursor, newest first (notification_list_idx): a person's years of notifications
    # cost nothing to page through.
    pagination_class = HistoryCursorPagination
    cursor_ordering = ("-created_at", "-id")

    def get_queryset(self):
        qs = notifications_for(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true", "yes"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="only unread")],
                   responses={200: NotificationSerializer(many=True), **ERRORS(400, 401)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationReadView(APIView):
    throttle_classes = [WriteRateThrottle]

    @extend_schema(request=None,
                   responses={200: NotificationSerializer, **ERRORS(401, 404, 429)},
                   description="Mark one of your notifications read (again is harmless).")
    def post(self, request, pk: int):
        notification = get_object_or_404(notifications_for(request.user), pk=pk)
        notification = notification_mark_read(notification=notification, by=request.user)
        return Response(NotificationSerializer(notification).data)
