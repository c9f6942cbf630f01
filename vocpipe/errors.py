"""One family of errors meant for users.

Anything raised as a `VocpipeError` is something a user can fix (a missing file, an unknown
column, a bad model file).  The CLI prints its message as one line and exits non-zero; it never
shows a traceback for these.
"""


class VocpipeError(Exception):
    """Base class: the message is shown to the user as is."""


class InputError(VocpipeError):
    """A source file cannot be read or mapped (missing file, unknown column, bad encoding)."""


class ConfigError(VocpipeError):
    """A setting or taxonomy file is invalid."""


class ModelError(VocpipeError):
    """A model file is missing, corrupt, or does not match the hash in its card."""
