"""labwatch: watches what frontier AI labs commit to about safety."""

__version__ = "0.1.0"
