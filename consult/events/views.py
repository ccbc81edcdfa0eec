"""Routes: to be written."""
from consult.events import bp  # noqa: F401
