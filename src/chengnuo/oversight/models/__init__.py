"""The oversight app's models, one module per part (re-exported here for Django)."""

from .keytasks import JointInspection, JointInspectionMember, KeyTask, KeyTaskReport
from .statistics import Counter, CounterDelta

__all__ = [
    "Counter",
    "CounterDelta",
    "JointInspection",
    "JointInspectionMember",
    "KeyTask",
    "KeyTaskReport",
]
