"""Small immutable values (a deadline, a rule, a record) without `dataclasses`.

A frozen dataclass costs about 0.6 ms to define (it generates and `exec`s its methods), and a command
defines a dozen on its way: 7 ms of every `repair new` and `overdue` (issue 21). A `Value` subclass names
its fields in `__slots__` and writes its `__init__` (setting each field with `settable`); equality, hashing,
`repr`, pickling and `replace` come from here, as a frozen dataclass would give them.
"""
from typing import Any

settable = object.__setattr__
"""Sets a field of a Value in its `__init__` (assignment is refused afterwards)."""


class Value:
    __slots__: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self):
        return self.__class__, self._values()

    def replace(self, **changes):
        """A copy with `changes` (as `dataclasses.replace`)."""
        values = dict(zip(self.__slots__, self._values()))
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        values.update(changes)
        return self.__class__(**values)
