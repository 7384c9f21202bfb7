"""One error base class; its exit code is the contract of CLI.md "Exit codes"."""


class PropcliError(Exception):
    exit_code = 4

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(PropcliError):
    """Bad input or usage: nothing was written (exit 2)."""

    exit_code = 2


class LedgerUnusable(PropcliError):
    """Not a ledger, locked too long, git failure, damaged file it needed (exit 3)."""

    exit_code = 3


class ProblemsFound(PropcliError):
    """The command worked and found problems (exit 1)."""

    exit_code = 1
