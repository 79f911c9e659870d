"""Every write of the socialkapital app: one function per use case, keyword-only and typed, in
a transaction. Split by area into submodules; import from here: `from socialkapital import
services`."""

from __future__ import annotations

from socialkapital.services.access_codes import *  # noqa: F403
from socialkapital.services.answering import *  # noqa: F403
from socialkapital.services.dialogue import *  # noqa: F403
from socialkapital.services.invitations import *  # noqa: F403
from socialkapital.services.questionnaires import *  # noqa: F403
from socialkapital.services.retention import *  # noqa: F403
from socialkapital.services.rounds import *  # noqa: F403
