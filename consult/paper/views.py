"""Routes: to be written."""
from consult.paper import bp  # noqa: F401
