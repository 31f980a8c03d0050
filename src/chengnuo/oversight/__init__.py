"""The Justice Bureau's oversight of the rollout (督查考核, R-8.1-R-8.4)."""
