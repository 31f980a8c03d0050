"""The oversight app's models, one module per part (re-exported here for Django)."""
