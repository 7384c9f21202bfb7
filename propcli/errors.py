"""One error base class; its exit code is the contract of CLI.md "Exit codes"."""


def one_line(message: str) -> str:
    """A message as one printable line: what a person typed (a newline, an escape sequence, an undecodable
    byte) is shown escaped, never obeyed by the terminal or split over lines."""
    if message.isprintable():
        return message
    out = []
    for char in message:
        if char.isprintable() or char == "\u3000":
            out.append(char)
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif 0xDC80 <= ord(char) <= 0xDCFF:  # an undecodable byte of argv (surrogateescape)
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        else:
            out.append(char.encode("unicode_escape", "backslashreplace").decode("ascii"))
    return "".join(out)


class PropcliError(Exception):
    exit_code = 4

    def __init__(self, message: str):
        message = one_line(message)
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


def os_failure(error: OSError, place=None) -> LedgerUnusable:
    """An operating-system error while reading or writing the ledger (a full disk, a read-only file system, a
    permission refused, an I/O error) as exit 3 with one line saying what to do (CLI.md "Failures that are
    loud": never exit 4). `place`: the file or folder to name when the error names none."""
    import errno

    from propcli.i18n import _

    where = error.filename or place or ""
    code = error.errno
    reason = error.strerror or type(error).__name__
    if code in (errno.ENOSPC, errno.EDQUOT):
        message = _("{path}: no space left on the disk ({reason})"
                    "; nothing was written: free some space, then try again",
                    path=where, reason=reason)
    elif code == errno.EROFS:
        message = _("{path}: the file system is read-only ({reason})"
                    "; nothing was written: mount it read-write, or work in a writable clone",
                    path=where, reason=reason)
    elif code in (errno.EACCES, errno.EPERM):
        message = _("{path}: permission denied ({reason})"
                    "; nothing was written: check the owner and permissions of the ledger folder",
                    path=where, reason=reason)
    else:
        message = _("{path}: the operating system refused ({reason}, errno {code}); nothing was written",
                    path=where, reason=reason, code=code if code is not None else "?")
    return LedgerUnusable(message)
