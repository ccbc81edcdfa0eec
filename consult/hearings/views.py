"""Routes: to be written."""
from consult.hearings import bp  # noqa: F401
