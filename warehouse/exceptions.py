"""Errors raised by the warehouse.

WarehouseError
 +-- WarehouseBusy        another process held the file past the timeout
 +-- MigrationError       a schema migration failed (the file is left as it was)
 +-- UnknownMatch         a review names a match id the warehouse has never suggested
 +-- ImportFailed         a backup folder could not be read
 +-- InvalidDecision      a decision with no reviewer, credit outside 0..1, an unknown criterion
"""

from labwatch.errors import LabwatchError


class WarehouseError(LabwatchError):
    """Base class: something about the warehouse file or its contents."""


class WarehouseBusy(WarehouseError):
    """Another process kept the DuckDB file locked for longer than the timeout."""


class MigrationError(WarehouseError):
    """A numbered migration could not be applied."""


class UnknownMatch(WarehouseError):
    """A match id that no statement in the warehouse carries."""


class ImportFailed(WarehouseError):
    """An export folder that cannot be imported."""


class InvalidDecision(WarehouseError):
    """A reviewer decision that cannot be recorded as given (named in the message)."""
