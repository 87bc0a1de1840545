"""Events of the plans app that higher layers act on (they import plans; plans never imports
them).

``amendment_proposed`` is sent by ``plans.services.plan_amend`` under the plan's lock, after the
new terms are cleaned and before the version is signed, with ``plan`` (locked), ``current``
(the version in force) and ``terms`` (the complete new terms). A receiver that finds the
amendment incompatible with records it keeps (for example logged sessions the new validity
would leave outside) raises ``ValidationError`` naming the field; nothing is signed then.
"""

from django.dispatch import Signal

amendment_proposed = Signal()
