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


REGIONS: dict[str, Region] = {
    r.code: r
    for r in [
        Region("head", "Head", "69536005"),
        Region("cervical", "Cervical spine (neck)", "122494005"),
        Region("thoracic", "Thoracic spine (upper/mid back)", "122495006"),
        Region("lumbar", "Lumbar spine (low back)", "122496007"),
        Region("sacral", "Sacrum / sacral region", "54735007"),
        Region("chest", "Chest", "816094009"),
        Region("abdomen", "Abdomen", "818981001"),
        Region("shoulder_left", "Left shoulder", "91775009"),
        Region("shoulder_right", "Right shoulder", "91774008"),
        Region("arm_left", "Left upper arm", "368208006"),
        Region("arm_right", "Right upper arm", "368209003"),
        Region("hand_left", "Left hand", "368456002"),
        Region("hand_right", "Right hand", "368455003"),
        Region("hip_left", "Left hip", "287679003"),
        Region("hip_right", "Right hip", "287579007"),
        Region("gluteal_left", "Left buttock", "46862004"),
        Region("gluteal_right", "Right buttock", "46862004"),
        Region("leg_left", "Left lower limb", "362785004"),
        Region("leg_right", "Right lower limb", "362784000"),
        Region("foot_left", "Left foot", "239919000"),
        Region("foot_right", "Right foot", "239830003"),
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
