"""Named failures. Anything that reaches the CLI as one of these becomes one clear line."""

from __future__ import annotations


class GridcollectError(Exception):
    """Base of every error the tool reports to the user without a traceback."""

    exit_code = 3


class ConfigurationError(GridcollectError):
    """The options or environment do not describe a usable setup."""

    exit_code = 2


class BackendUnavailable(GridcollectError):
    """A backend (registry, store, notifier) cannot be reached or refused us."""


class StoreError(GridcollectError):
    """An object could not be written or read."""


class KeyConflict(StoreError):
    """The key already holds an object with different content."""


class NotifierUnavailable(GridcollectError):
    """A notification could not be delivered now; it stays in the outbox."""
