"""The body map: an inline SVG of the body, front and back, one shape per region code.

Shown on the plan card (prescribed regions filled, avoid-regions hatched, requested ones
dotted) and used as a picker in forms, where it is bound to checkboxes that stay the
accessible control (the SVG only helps a mouse or touch user find the region).

    {% load bodymap %}
    {% bodymap prescribed=version.regions avoid=version.avoid_regions %}
    {% bodymap avoid=v.avoid_regions picker="regions" selected=form.regions.value id="log" %}
"""

from __future__ import annotations

import re

from django import template

from clinic.regions import REGIONS

register = template.Library()


def _mirror(path: str) -> str:
    """The same outline reflected about the figure's midline (x = 80)."""
    out: list[str] = []
    tokens = re.findall(r"[A-Za-z]|-?\d+(?:\.\d+)?", path)
    cmd, i = "", 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            out.append(tok)
            i += 1
        elif cmd == "H":
            out.append(f"{160 - float(tok):g}")
            i += 1
        elif cmd == "V":
            out.append(tok)
            i += 1
        else:  # M, L, Q: x,y pairs
            out.append(f"{160 - float(tok):g},{tokens[i + 1]}")
            i += 2
    return " ".join(out)


# Outlines on a 160 x 390 figure. "Front" is the patient facing you: their right side is on
# your left. "Back" is the patient seen from behind: their left is on your left.
_NECK = "M71,50 H89 V66 H71 Z"
_SHOULDER_A = "M56,64 L44,67 Q35,73 35,90 L54,92 Z"  # on the viewer's left
_ARM_A = "M35,92 L54,94 L52,142 L35,140 Z"
_FOREARM_A = "M35,142 L52,144 L48,190 L33,188 Z"
_LEG_A = "M52,212 H79 L76,356 H58 Z"
_FOOT_A = "M58,358 H76 L78,376 H48 Z"


def _pair(a: str) -> tuple[str, str]:
    return a, _mirror(a)


_FRONT: list[tuple[str | None, str, str]] = [
    # (region code or None for a plain body part, element, geometry)
    ("head", "ellipse", "80 28 17 22"),
    ("cervical", "path", _NECK),
    ("chest", "path", "M56,64 H104 L106,122 H54 Z"),
    ("abdomen", "path", "M54,122 H106 L104,176 H56 Z"),
    ("hip_right", "path", "M56,176 H80 V210 H50 Z"),
    ("hip_left", "path", _mirror("M56,176 H80 V210 H50 Z")),
    ("shoulder_right", "path", _pair(_SHOULDER_A)[0]),
    ("shoulder_left", "path", _pair(_SHOULDER_A)[1]),
    ("arm_right", "path", _pair(_ARM_A)[0]),
    ("arm_left", "path", _pair(_ARM_A)[1]),
    (None, "path", _pair(_FOREARM_A)[0]),
    (None, "path", _pair(_FOREARM_A)[1]),
    ("hand_right", "ellipse", "40 202 8 13"),
    ("hand_left", "ellipse", "120 202 8 13"),
    ("leg_right", "path", _pair(_LEG_A)[0]),
    ("leg_left", "path", _pair(_LEG_A)[1]),
    ("foot_right", "path", _pair(_FOOT_A)[0]),
    ("foot_left", "path", _pair(_FOOT_A)[1]),
]

_BACK: list[tuple[str | None, str, str]] = [
    ("head", "ellipse", "80 28 17 22"),
    ("cervical", "path", _NECK),
    ("thoracic", "path", "M56,64 H104 L106,130 H54 Z"),
    ("lumbar", "path", "M54,130 H106 L104,176 H56 Z"),
    ("sacral", "path", "M66,176 H94 L80,204 Z"),
    ("gluteal_left", "path", "M56,176 H66 L80,204 V212 H50 Z"),
    ("gluteal_right", "path", _mirror("M56,176 H66 L80,204 V212 H50 Z")),
    ("shoulder_left", "path", _pair(_SHOULDER_A)[0]),
    ("shoulder_right", "path", _pair(_SHOULDER_A)[1]),
    ("arm_left", "path", _pair(_ARM_A)[0]),
    ("arm_right", "path", _pair(_ARM_A)[1]),
    (None, "path", _pair(_FOREARM_A)[0]),
    (None, "path", _pair(_FOREARM_A)[1]),
    ("hand_left", "ellipse", "40 202 8 13"),
    ("hand_right", "ellipse", "120 202 8 13"),
    ("leg_left", "path", _pair(_LEG_A)[0]),
    ("leg_right", "path", _pair(_LEG_A)[1]),
    ("foot_left", "path", _pair(_FOOT_A)[0]),
    ("foot_right", "path", _pair(_FOOT_A)[1]),
]

# Every region code is drawn at least once (front or back); a test guards this.
DRAWN = {code for code, _el, _g in _FRONT + _BACK if code}


def _shapes(outline, *, prescribed, avoid, proposed, selected) -> list[dict]:
    shapes = []
    for code, element, geometry in outline:
        shape: dict = {"code": code, "element": element}
        if element == "ellipse":
            cx, cy, rx, ry = geometry.split()
            shape.update(cx=cx, cy=cy, rx=rx, ry=ry)
        else:
            shape["d"] = geometry
        if code:
            region = REGIONS[code]
            states = []
            if code in avoid:
                states.append("is-avoid")
            elif code in prescribed:
                states.append("is-prescribed")
            if code in proposed:
                states.append("is-proposed")
            if code in selected:
                states.append("is-selected")
            shape.update(label=region.label, classes=" ".join(states))
        shapes.append(shape)
    return shapes


def _as_list(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


@register.inclusion_tag("includes/bodymap.html")
def bodymap(prescribed=None, avoid=None, proposed=None, picker="", selected=None,  # noqa: A002
            offered=None, id="map", legend="Body regions", caption="", avoid_field="",
            exclude=None, fold_others=False, scope=False):
    """Render the map. ``picker`` names the checkbox field it drives (empty: display only);
    ``offered`` lists the codes offered first in the picker (e.g. the plan's regions);
    ``avoid_field`` names checkboxes that mark avoid-regions on the map as they are ticked;
    ``exclude`` lists codes the picker does not offer (e.g. regions already in the plan);
    ``fold_others`` puts the codes not offered behind "Other regions" (a <details>, open when
    one of them is ticked); ``scope`` draws the map alone, driving the plan form's
    treat / avoid / neither selects (``scope-<code>``)."""
    prescribed, avoid = _as_list(prescribed), _as_list(avoid)
    proposed, selected = _as_list(proposed), _as_list(selected)
    offered, exclude = _as_list(offered), set(_as_list(exclude))
    kwargs = {"prescribed": prescribed, "avoid": avoid, "proposed": proposed,
              "selected": selected}
    choices = [
        {"code": code, "label": region.label, "checked": code in selected,
         "avoid": code in avoid, "prescribed": code in prescribed}
        for code, region in REGIONS.items() if code not in exclude
    ]
    first = [c for c in choices if c["code"] in offered]
    rest = [c for c in choices if c["code"] not in offered]
    legend_items = {
        "prescribed": bool(prescribed), "avoid": bool(avoid), "proposed": bool(proposed),
    }
    return {
        "id": id,
        "front": _shapes(_FRONT, **kwargs),
        "back": _shapes(_BACK, **kwargs),
        "picker": picker,
        "avoid_field": avoid_field,
        "offered_choices": first,
        "other_choices": rest,
        "fold_others": bool(fold_others and first),
        "scope": scope,
        "others_open": any(c["checked"] for c in rest),
        "legend": legend,
        "caption": caption,
        "show": legend_items,
        "prescribed_labels": [REGIONS[c].label for c in prescribed if c in REGIONS],
        "avoid_labels": [REGIONS[c].label for c in avoid if c in REGIONS],
        "proposed_labels": [REGIONS[c].label for c in proposed if c in REGIONS],
    }


@register.filter
def region_labels(codes) -> str:
    """Region codes as a readable list: "Cervical spine (neck), Left foot"."""
    return ", ".join(REGIONS[c].label if c in REGIONS else str(c) for c in _as_list(codes))


@register.filter
def sessions_left(plan) -> int:
    """Authorised sessions not yet used (``plan`` comes from plans_with_usage)."""
    return plan.sessions_remaining
