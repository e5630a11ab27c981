"""Exit codes, the contract a CI script branches on (documented in docs/ci.md)."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0  # allowed, recorded, granted
    DENIED = 1  # the check denied the deployment, or the lease was refused
    WARN = 2  # the check allowed it with warnings
    USAGE = 3  # bad flags, missing configuration, or the server refused the input (4xx)
    UNAVAILABLE = 4  # network failure, timeout, or a server error (5xx, 429) that outlasted the retries
    # `sluice config`: the same numbers, read as a CI job applying a file reads them.
    INVALID_FILE = 1  # the file cannot be applied as it is (invalid, or a conflict); nothing changed
    PENDING = 2  # `config plan`: the file differs from the organization


class CliError(Exception):
    """Ends the command with a message on stderr and an exit code."""

    def __init__(self, message: str, exit_code: Exit = Exit.USAGE):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
