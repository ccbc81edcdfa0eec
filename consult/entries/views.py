"""Routes: to be written."""
from consult.entries import bp  # noqa: F401
