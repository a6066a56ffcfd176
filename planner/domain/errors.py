"""The one exception type whose message is meant for the user."""


class PlannerError(Exception):
    """Bad input or an impossible request; the message is one clear line for the user."""


class ConcurrentChange(PlannerError):
    """Another device or window changed the same thing at the same time; nothing was saved."""
