"""XComArg.map() and XComArg.zip() (dynamic task mapping): lazy views of upstream XComs."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from crosswind.dags.decorators import XComArg
from crosswind.dags.mapping import NOTSET, MappedSequence, as_sequence, length_spec, references


class MapXComArg(XComArg):
    """`xcom.map(fn)`: fn applied to each item when the item is read."""

    def __init__(self, source: XComArg, fn: Callable[[Any], Any]) -> None:
        super().__init__(source.operator, source.key)
        self.callables = [*getattr(source, "callables", []), fn]
        self.source = source.source if isinstance(source, MapXComArg) else source

    def map(self, fn: Callable[[Any], Any]) -> XComArg:
        return MapXComArg(self, fn)

    def references(self) -> list[Any]:
        return references(self.source)

    def resolve(self, context: dict[str, Any]) -> Any:
        return MappedSequence(as_sequence(self.source.resolve(context)), self.callables)

    def length_spec(self) -> dict[str, Any]:
        return {**length_spec(self.source), "plain": False}  # items go through fn


class ZipXComArg(XComArg):
    """`a.zip(b, ...)`: tuples by position, as long as the shortest (or, with fillvalue,
    the longest) input."""

    def __init__(self, args: list[XComArg], fillvalue: Any) -> None:
        super().__init__(args[0].operator, args[0].key)
        self.args, self.fillvalue = args, fillvalue

    def references(self) -> list[Any]:
        return [r for a in self.args for r in references(a)]

    def resolve(self, context: dict[str, Any]) -> Any:
        seqs = [as_sequence(a.resolve(context)) for a in self.args]
        if self.fillvalue is NOTSET:
            return list(zip(*seqs, strict=False))
        return list(itertools.zip_longest(*seqs, fillvalue=self.fillvalue))

    def length_spec(self) -> dict[str, Any]:
        return {"zip": [length_spec(a) for a in self.args], "longest": self.fillvalue is not NOTSET}


def make_zip_arg(first: XComArg, others: tuple[Any, ...], fillvalue: Any) -> XComArg:
    for other in others:
        if not isinstance(other, XComArg):
            raise TypeError(f"zip() argument must be an XComArg, not {type(other).__name__}")
    return ZipXComArg([first, *others], fillvalue)
