"""The body map: every region drawn and named; avoid-regions not told by colour alone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from clinic.regions import REGIONS
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def render(tag: str, **context) -> str:
    return Template("{% load bodymap %}" + tag).render(Context(context))


def test_every_region_code_has_a_labelled_shape_on_the_map():
    html = render("{% bodymap %}")
    for code, region in REGIONS.items():
        assert re.search(rf'data-region="{code}" role="img" aria-label="{re.escape(region.label)}"',
                         html), code


def test_prescribed_regions_are_filled_and_avoid_regions_hatched_and_named_in_words():
    html = render("{% bodymap prescribed=p avoid=a %}", p=["cervical"], a=["lumbar"])
    assert 'class="region is-prescribed" data-region="cervical"' in html
    assert 'class="region is-avoid" data-region="lumbar"' in html
    assert "<strong>Prescribed:</strong> Cervical spine (neck)" in html
    assert "<strong>Avoid:</strong> Lumbar spine (low back)" in html


def test_as_a_picker_the_map_drives_checkboxes_that_stay_the_control():
    html = render('{% bodymap picker="regions" selected=s offered=o id="log" %}',
                  s=["cervical", "foot_left"], o=["cervical"])
    assert 'data-picker="regions"' in html
    assert len(re.findall(r'<input type="checkbox" name="regions"', html)) == len(REGIONS)
    assert re.search(r'value="foot_left" id="log-foot_left" checked', html)
    assert '<label for="log-foot_left">Left foot</label>' in html
    assert html.index('id="log-cervical"') < html.index('id="log-head"')  # the plan's first


def test_the_plan_card_shows_the_map_with_the_plans_regions(web, therapist, chiro):
    plan = make_plan(prescriber=chiro, regions=["cervical", "thoracic"],
                     avoid_regions=["lumbar"])
    html = web(chiro).get(f"/plans/{plan.pk}/").content.decode()
    assert 'class="region is-prescribed" data-region="thoracic"' in html
    assert 'class="region is-avoid" data-region="lumbar"' in html
    assert "<strong>Avoid:</strong> Lumbar spine (low back)" in html
    # The therapist's card draws one map, the log form's, which shows the plan too.
    html = web(therapist).get(f"/plans/{plan.pk}/").content.decode()
    assert len(re.findall(r'class="bodymap[ "][^>]*id="[a-z]+-bodymap"', html)) == 1
    assert 'class="region is-prescribed" data-region="thoracic"' in html
    assert 'class="region is-avoid" data-region="lumbar"' in html
    assert "<dt>Avoid</dt><dd>Lumbar spine (low back)</dd>" in html


def test_pages_use_no_inline_script_handler_or_style(web, therapist, chiro, plan):
    from tests.factories import make_ticket

    ticket = make_ticket(plan=plan, raised_by=therapist)
    for user, url in ((therapist, "/"), (therapist, f"/plans/{plan.pk}/"), (chiro, "/"),
                      (chiro, f"/tickets/{ticket.pk}/"), (therapist, "/accounts/login/")):
        html = web(user).get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert not re.search(r'\sstyle="', html), url


def test_the_plan_form_sets_each_region_in_one_labelled_control(web, chiro, patient):
    html = web(chiro).get(f"/plans/new/?patient={patient.pk}").content.decode()
    selects = re.findall(r'<select class="scope-select[^"]*" id="scope-(\w+)" '
                         r'name="scope-\1"', html)
    assert sorted(selects) == sorted(REGIONS)
    for code in selects:
        assert f'<label class="visually-hidden" for="scope-{code}">{REGIONS[code].label}</label>' \
            in html
    # Left and right side by side: one row per pair.
    assert re.search(r'<th scope="row">Foot</th>\s*<td>.*?scope-foot_left.*?</td><td>.*?'
                     r'scope-foot_right', html, re.S)
    assert 'data-scope-picker="1"' in html  # the map drives them too (static/js/app.js)


def test_the_region_grid_posts_treat_and_avoid(web, chiro, patient):
    from plans.models import TreatmentPlan

    today = timezone.localdate()
    data = {"scope-cervical": "treat", "scope-thoracic": "treat", "scope-foot_left": "avoid",
            "scope-head": "", "session_minutes": "30", "sessions_authorized": "8",
            "sessions_per_week": "2", "valid_from": f"{today.day} {today:%b %Y}",
            "valid_until": (today + dt.timedelta(days=30)).isoformat()}
    response = web(chiro).post(f"/plans/new/?patient={patient.pk}", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    version = TreatmentPlan.objects.get().current_version
    assert version.regions == ["cervical", "thoracic"] and version.avoid_regions == ["foot_left"]
