"""The body-region vocabulary (docs/api.md "Body region codes"), with labels and SNOMED CT codes.

Scope is enforced on these codes only, never on the SNOMED hierarchy (docs/domain.md). Laterality
is part of the code; spinal regions are midline. Codes marked *verify* in docs/domain.md are kept
as given there and only used for the FHIR export.
"""

from __future__ import annotations

from dataclasses import dataclass

SNOMED_SYSTEM = "http://snomed.info/sct"


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    snomed: str
    everyday: str = ""  # what a client calls it ("neck"); the label's own words when empty


REGIONS: dict[str, Region] = {
    r.code: r
    for r in [
        Region("head", "Head", "69536005", "head"),
        Region("cervical", "Cervical spine (neck)", "122494005", "neck"),
        Region("thoracic", "Thoracic spine (upper/mid back)", "122495006", "upper and middle back"),
        Region("lumbar", "Lumbar spine (low back)", "122496007", "lower back"),
        Region("sacral", "Sacrum / sacral region", "54735007", "tailbone area"),
        Region("chest", "Chest", "816094009", "chest"),
        Region("abdomen", "Abdomen", "818981001", "belly"),
        Region("shoulder_left", "Left shoulder", "91775009", "left shoulder"),
        Region("shoulder_right", "Right shoulder", "91774008", "right shoulder"),
        Region("arm_left", "Left upper arm", "368208006", "left arm"),
        Region("arm_right", "Right upper arm", "368209003", "right arm"),
        Region("hand_left", "Left hand", "368456002", "left hand"),
        Region("hand_right", "Right hand", "368455003", "right hand"),
        Region("hip_left", "Left hip", "287679003", "left hip"),
        Region("hip_right", "Right hip", "287579007", "right hip"),
        Region("gluteal_left", "Left buttock", "46862004", "left buttock"),
        Region("gluteal_right", "Right buttock", "46862004", "right buttock"),
        Region("leg_left", "Left lower limb", "362785004", "left leg"),
        Region("leg_right", "Right lower limb", "362784000", "right leg"),
        Region("foot_left", "Left foot", "239919000", "left foot"),
        Region("foot_right", "Right foot", "239830003", "right foot"),
    ]
}

REGION_CHOICES = [(r.code, r.label) for r in REGIONS.values()]

# Laterality qualifiers for the FHIR export of buttocks (one SNOMED concept, two sides).
LATERALITY = {"gluteal_left": "7771000", "gluteal_right": "24028007"}


def label(code: str) -> str:
    """Human label of a region code ("foot_left" -> "Left foot"); unknown codes pass through."""
    region = REGIONS.get(code)
    return region.label if region else code


def labels(codes: list[str] | tuple[str, ...]) -> str:
    """A readable list: "Left foot, Right foot and Cervical spine (neck)"."""
    names = [label(c) for c in codes]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# Both sides of a pair, said the way a client says it ("your legs", not "left and right leg").
_PAIRS = {"shoulder": "shoulders", "arm": "arms", "hand": "hands", "hip": "hips",
          "gluteal": "buttocks", "leg": "legs", "foot": "feet"}


def everyday(codes: list[str] | tuple[str, ...]) -> str:
    """The regions in a client's words, both sides of a pair as one: ["leg_left", "leg_right",
    "foot_left", "foot_right"] -> "legs and feet"; ["cervical"] -> "neck"."""
    chosen = list(dict.fromkeys(codes))
    words: list[str] = []
    for code in chosen:
        stem, _, side = code.rpartition("_")
        if side in ("left", "right") and stem in _PAIRS:
            other = f"{stem}_{'right' if side == 'left' else 'left'}"
            if other in chosen:
                if chosen.index(other) > chosen.index(code):
                    words.append(_PAIRS[stem])
                continue
        region = REGIONS.get(code)
        words.append(region.everyday or region.label.lower() if region else code)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
