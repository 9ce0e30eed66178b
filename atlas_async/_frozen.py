"""Immutable value classes that cost nothing to define.

``@dataclass(frozen=True, slots=True)`` writes each class's methods as source and compiles them
when the class is defined: about 0.8 ms a class on a 2-core machine, and the seven that
``Atlas()`` used to define took half the SDK's start-up budget (``benchmarks/startup.py``).
:class:`Frozen` gives the same behaviour from one base class whose methods are written once:
equality, hash and repr over the fields (``__match_args__``, in order), no assignment after
``__init__``, ``with_`` for a changed copy, and pickling and ``copy`` that go around the frozen
``__setattr__``.

A subclass lists its fields, in ``__init__``'s order, in ``__match_args__`` (so that ``match``
works as on a dataclass) and sets ``__slots__ = __match_args__``; it annotates the fields for the
type checker and sets them in ``__init__`` with :func:`init`. Every field must be an ``__init__``
keyword, so that ``with_`` can rebuild the object through ``__init__`` (and its validation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, dataclass_transform

__all__ = ["Frozen", "init"]


def init(obj: Frozen, **values: Any) -> None:
    """Set ``obj``'s fields once, from its ``__init__``."""
    for name, value in values.items():
        object.__setattr__(obj, name, value)


def _restore(cls: type[Frozen], values: dict[str, Any]) -> Frozen:
    obj = object.__new__(cls)
    init(obj, **values)
    return obj


# For type checkers: a subclass is a frozen dataclass, so assigning to a field is an error there
# too, as it was when these were dataclasses.
@dataclass_transform(frozen_default=True)
class Frozen:
    """Base of an immutable value with slots (see the module docstring)."""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def _values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__match_args__}

    def with_(self, **changes: Any) -> Self:
        """A copy with some fields changed, built (and validated) by ``__init__``."""
        unknown = changes.keys() - set(self.__match_args__)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        cls: Any = type(self)  # a subclass, whose __init__ takes every field as a keyword
        copy: Self = cls(**(self._values() | changes))
        return copy

    if not TYPE_CHECKING:  # a visible __setattr__ would make type checkers accept any name

        def __setattr__(self, name: str, value: object) -> None:
            raise AttributeError(f"{type(self).__name__} is immutable: use with_({name}=...)")

        def __delattr__(self, name: str) -> None:
            raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__match_args__)

    def __hash__(self) -> int:
        return hash((type(self), *(getattr(self, n) for n in self.__match_args__)))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self._values().items())
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self._values()))
