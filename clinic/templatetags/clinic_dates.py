"""Template filters for dates the clinic's way (clinic.dates)."""

from __future__ import annotations

from django import template

from clinic import dates

register = template.Library()
register.filter("input_date", dates.input_date)
register.filter("input_datetime", dates.input_datetime)
register.filter("day", dates.day)
