"""Every write of the kerneopgaver app that touches several rows or has side effects: one
function per use case, keyword-only and typed, in a transaction, recording history.

Split by area into submodules; import from here: `from kerneopgaver import services`.
"""

from __future__ import annotations

from kerneopgaver.services.communities import *  # noqa: F403
from kerneopgaver.services.core_tasks import *  # noqa: F403
from kerneopgaver.services.dialogue import *  # noqa: F403
from kerneopgaver.services.indicators import *  # noqa: F403
