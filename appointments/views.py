from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


day_view = week_view = appointment_action = appointment_new = calendar_feed = _todo
