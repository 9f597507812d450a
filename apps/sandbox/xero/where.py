"""The ``where`` filter of Xero's GET endpoints, for the forms clients write:

    EmailAddress=="ann@example.com"    Name.ToLower()=="ann"    Status!="DELETED"
    Contact.ContactID==Guid("...")     Date>=DateTime(2024, 1, 31)    AmountDue>0
    Name.Contains("Ann")  Name.StartsWith("A")   ... joined with AND / OR / && / || and ( ).

Text compares without regard to case. A filter that does not parse raises ``QueryError``.
https://developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-a-filtered-set-of-records

The compiled filter tests one presented record; given a ``Narrow``, it also carries a database
condition for the records it may match, so a search by name or number reads those rows only.
"""

from __future__ import annotations

import operator as op
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q

from .formats import parse_day, parse_decimal

Predicate = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Rows:
    """A database condition on the records a filter may match: ``q`` None means any record may;
    ``exact`` that the records meeting ``q`` are exactly the matching ones."""

    q: Q | None = None
    exact: bool = False

    def __and__(self, other: Rows) -> Rows:
        parts = [part for part in (self.q, other.q) if part is not None]
        q = parts[0] & parts[1] if len(parts) == 2 else (parts[0] if parts else None)
        return Rows(q, self.exact and other.exact)

    def __or__(self, other: Rows) -> Rows:
        if self.q is None or other.q is None:
            return Rows()
        return Rows(self.q | other.q, self.exact and other.exact)


# The condition for one comparison: (field path, operator, literal) -> Rows.
Narrow = Callable[[list[str], str, Any], Rows]


@dataclass(frozen=True)
class Filter:
    test: Predicate
    rows: Rows = Rows()

    def __call__(self, row: dict[str, Any]) -> bool:
        return self.test(row)


def _anywhere(path: list[str], operator: str, literal: Any) -> Rows:
    return Rows()


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|>=|<=|>|<|=|&&|\|\||\(|\)|,|\.)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_METHODS = {"Contains", "StartsWith", "EndsWith"}
_CASES = {"ToLower", "ToUpper"}
_ORDERINGS = {">": op.gt, "<": op.lt, ">=": op.ge, "<=": op.le}


class QueryError(ValueError):
    pass


def compile_where(text: str, narrow: Narrow = _anywhere) -> Filter:
    parser = _Parser(_tokens(text), narrow)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise QueryError(f"Unexpected '{parser.peek()[1]}' in where clause")
    return predicate


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if not found or found.end() == position:
            raise QueryError(f"Syntax error in where clause at position {position}")
        kind = found.lastgroup
        tokens.append((kind, found.group(kind)))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], narrow: Narrow) -> None:
        self.tokens, self.at, self.narrow = tokens, 0, narrow

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1].upper() != value.upper()):
            raise QueryError(f"Expected '{value or 'more'}' in where clause")
        self.at += 1
        return token

    def accept(self, *values: str) -> bool:
        token = self.peek()
        if token is not None and token[1].upper() in values:
            self.at += 1
            return True
        return False

    def expression(self) -> Filter:
        left = self.conjunction()
        while self.accept("OR", "||"):
            right, first = self.conjunction(), left
            test = lambda row, a=first, b=right: a(row) or b(row)  # noqa: E731
            left = Filter(test, first.rows | right.rows)
        return left

    def conjunction(self) -> Filter:
        left = self.factor()
        while self.accept("AND", "&&"):
            right, first = self.factor(), left
            test = lambda row, a=first, b=right: a(row) and b(row)  # noqa: E731
            left = Filter(test, first.rows & right.rows)
        return left

    def factor(self) -> Filter:
        if self.accept("NOT", "!"):
            inner = self.factor()
            return Filter(lambda row: not inner(row))
        if self.accept("("):
            inner = self.expression()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self) -> Filter:
        path, case, method = self.field()
        if method:
            self.take("(")
            needle = str(self.literal()).lower()
            self.take(")")
            test = {"Contains": str.__contains__, "StartsWith": str.startswith}.get(
                method, str.endswith
            )
            return Filter(lambda row: test(str(_lookup(row, path) or "").lower(), needle))
        token = self.peek()
        if token is None or token[0] != "op" or token[1] in "(),.":
            # A bare boolean field: "IsCustomer" means IsCustomer==true.
            return Filter(lambda row: _lookup(row, path) is True)
        operator = self.take()[1]
        literal = self.literal()
        return Filter(_compare(path, operator, literal), self.narrow(path, operator, literal))

    def field(self) -> tuple[list[str], str, str]:
        path, case, method = [self.take()[1]], "", ""
        while self.accept("."):
            name = self.take()[1]
            if name in _CASES:
                self.take("(")
                self.take(")")
                case = name
            elif name in _METHODS:
                method = name
            else:
                path.append(name)
        if not path[0][0].isalpha():
            raise QueryError(f"'{path[0]}' is not a field")
        return path, case, method

    def literal(self) -> Any:
        kind, value = self.take()
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", value[1:-1])
        if kind == "number":
            return Decimal(value)
        word = value.lower()
        if word in ("true", "false"):
            return word == "true"
        if word == "null":
            return None
        if word == "guid":
            self.take("(")
            text = self.literal()
            self.take(")")
            return str(text).lower()
        if word == "datetime":
            return self.date_literal()
        raise QueryError(f"'{value}' is not a value")

    def date_literal(self) -> date:
        self.take("(")
        parts = [self.literal()]
        while self.accept(","):
            parts.append(self.literal())
        self.take(")")
        try:
            return date(*(int(part) for part in parts[:3]))
        except (TypeError, ValueError, ArithmeticError) as wrong:
            raise QueryError("DateTime needs a valid year, month and day") from wrong


def _lookup(row: dict[str, Any], path: list[str]) -> Any:
    value: Any = row
    for name in path:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def _compare(path: list[str], operator: str, expected: Any) -> Predicate:
    def test(row: dict[str, Any]) -> bool:
        actual = _comparable(_lookup(row, path), expected)
        wanted = expected.lower() if isinstance(expected, str) else expected
        if operator in ("==", "="):
            return actual == wanted
        if operator == "!=":
            return actual != wanted
        if actual is None or wanted is None:
            return False
        try:
            return _ORDERINGS[operator](actual, wanted)
        except TypeError:
            return False

    return test


def _comparable(actual: Any, expected: Any) -> Any:
    """The record's value in the type of the literal it is compared with."""
    if isinstance(expected, bool) or expected is None:
        return actual
    if isinstance(expected, date):
        return parse_day(actual)
    if isinstance(expected, Decimal):
        return parse_decimal(actual)
    return str(actual).lower() if actual is not None else None
