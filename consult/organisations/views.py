"""Routes: to be written."""
from consult.organisations import bp  # noqa: F401
