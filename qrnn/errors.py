"""Exceptions that the command line turns into one-line messages."""


class QrnnError(Exception):
    """An error caused by the user's input or environment, reported without a traceback."""


class ConfigError(QrnnError):
    """A configuration file is missing, unreadable or breaks the schema."""


class CheckpointMismatchError(QrnnError):
    """A run folder holds a checkpoint made under different settings."""


class NonFiniteLossError(QrnnError):
    """Training produced a NaN or infinite loss."""
