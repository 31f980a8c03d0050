"""The event store: the audit trail every write appends to through `core.spine` (ADR 0009),
hash-chained per agency; its verification and its pages."""
