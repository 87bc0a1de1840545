"""The FHIR R4 export of a plan (``GET /api/plans/{id}/fhir/``).

A bundle holds the plan, its sessions and its consult tickets, so this is project wiring
(docs/architecture.md): it reads from every clinical app and is imported by none of them.
"""
