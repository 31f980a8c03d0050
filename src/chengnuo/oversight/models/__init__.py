"""The oversight app's models, one module per part (re-exported here for Django; each part's
module lists its models in `__all__`)."""

from .casereview import *  # noqa: F403
from .faulttolerance import *  # noqa: F403
from .indicators import *  # noqa: F403
from .keytasks import JointInspection, JointInspectionMember, KeyTask, KeyTaskReport
from .learning import *  # noqa: F403
from .portalchecks import *  # noqa: F403
from .rectification import *  # noqa: F403
from .reports import *  # noqa: F403
from .statistics import Counter, CounterDelta

__all__ = [
    "Counter",
    "CounterDelta",
    "JointInspection",
    "JointInspectionMember",
    "KeyTask",
    "KeyTaskReport",
]
