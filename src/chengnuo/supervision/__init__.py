"""Routine supervision (双随机、一公开), key supervision and non-discrimination parity
(R-4.3, R-4.4, R-5.3)."""
