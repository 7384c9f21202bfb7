"""A problem found in the ledger, as a value (issue 17 point 5; beancount's errors are values too).

`check`, `check --history`, `sync` and `doctor` collect `Problem`s: the file (relative to the ledger), where in it
(a 1-based line; for a rewrite found in the history, the commit) and what is wrong, in the reader's language.
Nothing in the library formats them but `str()`, the one form CLI.md fixes (`path:line: message`,
`path:commit: message`), which the command line prints (propcli/cli/render.lines) and an exit-3 message quotes."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"
