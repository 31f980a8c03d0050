"""Complaints and reports from the public (投诉举报, R-8.1)."""
