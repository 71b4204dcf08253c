"""One exception tree for redite: catch ``RediteError`` at the edges."""


class RediteError(Exception):
    """Root of every error redite raises on purpose."""


class InvalidArticle(RediteError, ValueError):
    """An article that cannot be processed: missing field, wrong type, over a limit."""


class InvalidConfig(RediteError, ValueError):
    """Detector parameters that do not fit together."""
