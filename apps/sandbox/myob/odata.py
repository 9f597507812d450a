"""The OData query options MYOB's API takes on lists: ``$filter``, ``$orderby``, ``$top`` and
``$skip``, and its paged answer ``{Items, NextPageLink, Count}``.

"The AccountRight API supports four query options: $orderby, $top, $skip, $filter"; "default
page size is set to 400 however a maximum of 1000 results can be set and returned per page";
"the JSON response ... provides paging parameters, including a URI NextPageLink"
(https://developer.myob.com/api/accountright/api-overview/retrieving-data/).

``$filter`` here knows what clients of the product send: comparisons (eq ne gt ge lt le) of a
field, or a field path such as ``Customer/UID``, with a 'string', datetime'...', guid'...', a
number, true/false or null, joined by ``and`` / ``or``, grouped with parentheses, plus
``substringof('text', Field)``, ``startswith(Field, 'text')`` and ``List/any(x: x/Field eq ...)``
(OData v3's lambda, how a customer is found by e-mail: ``Addresses/any(a: a/Email eq '...')``).
Text compares without regard to case, as on MYOB's SQL Server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from .wire import parse_time

DEFAULT_PAGE = 400
MAX_PAGE = 1000

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<typed>(?:datetime|guid)'[^']*')"
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<punct>[(),:])|(?P<word>[A-Za-z_][\w/.]*))"
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}


class QueryError(ValueError):
    """A query option the API cannot read; the message says which."""


Predicate = Callable[[dict], bool]


def _tokens(text: str) -> list[tuple[str, Any]]:
    found, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None:
            raise QueryError(f"Cannot read $filter at: {text[position:]!r}")
        position = match.end()
        kind = match.lastgroup
        raw = match.group(kind)
        if kind == "str":
            found.append(("value", raw[1:-1].replace("''", "'")))
        elif kind == "typed":
            prefix, _, rest = raw.partition("'")
            value = rest[:-1]
            if prefix == "datetime":
                parsed = parse_time(value)
                if parsed is None:
                    raise QueryError(f"Not a datetime: {value!r}")
                found.append(("value", parsed))
            else:
                found.append(("value", value.lower()))
        elif kind == "num":
            found.append(("value", Decimal(raw)))
        elif kind == "punct":
            found.append((raw, raw))
        else:
            found.append(("word", raw))
    return found


def field_value(record: dict, path: str) -> Any:
    value: Any = record
    for name in path.split("/"):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Bring a record's value and a literal to one type for comparison."""
    if isinstance(right, datetime):
        return (parse_time(left) if isinstance(left, str) else None), right
    if isinstance(right, Decimal):
        try:
            return (Decimal(str(left)) if left is not None else None), right
        except ArithmeticError:
            return None, right
    if isinstance(right, str):
        return (str(left).casefold() if left is not None else None), right.casefold()
    return left, right


def _compare(op: str, left: Any, right: Any) -> bool:
    left, right = _comparable(left, right)
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if left is None or right is None:
        return False
    try:
        return {
            "gt": left > right,
            "ge": left >= right,
            "lt": left < right,
            "le": left <= right,
        }[op]
    except TypeError:
        return False


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]):
        self.tokens = tokens
        self.at = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str | None = None) -> tuple[str, Any]:
        token = self.peek()
        if token is None or (kind and token[0] != kind):
            raise QueryError("The $filter expression ends too early or is malformed")
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() == word:
            self.at += 1
            return True
        return False

    def expression(self) -> Predicate:
        left = self.conjunction()
        while self.keyword("or"):
            right = self.conjunction()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.term()
        while self.keyword("and"):
            right = self.term()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def term(self) -> Predicate:
        if self.keyword("not"):
            inner = self.term()
            return lambda r: not inner(r)
        token = self.peek()
        if token and token[0] == "(":
            self.take("(")
            inner = self.expression()
            self.take(")")
            return inner
        _, name = self.take("word")
        if name.lower() in ("substringof", "startswith"):
            return self.function(name.lower())
        if name.lower().endswith("/any"):
            return self.any(name[: -len("/any")])
        _, op = self.take("word")
        if op.lower() not in COMPARISONS:
            raise QueryError(f"Unknown operator {op!r} in $filter")
        literal = self.literal()
        return lambda r: _compare(op.lower(), field_value(r, name), literal)

    def literal(self) -> Any:
        kind, value = self.take()
        if kind == "value":
            return value
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind == "word" and value.lower() == "null":
            return None
        raise QueryError(f"Expected a value in $filter, found {value!r}")

    def any(self, path: str) -> Predicate:
        """``Addresses/any(a: a/Email eq 'x')``: some element of the list matches."""
        self.take("(")
        _, variable = self.take("word")
        self.take(":")
        inner = self.expression()
        self.take(")")

        def matches(record: dict) -> bool:
            elements = field_value(record, path)
            if not isinstance(elements, list):
                return False
            return any(inner({variable: element}) for element in elements)

        return matches

    def function(self, name: str) -> Predicate:
        self.take("(")
        if name == "substringof":
            text = self.take("value")[1]
            self.take(",")
            field = self.take("word")[1]
        else:
            field = self.take("word")[1]
            self.take(",")
            text = self.take("value")[1]
        self.take(")")
        needle = str(text).casefold()

        def matches(record: dict) -> bool:
            value = str(field_value(record, field) or "").casefold()
            return value.startswith(needle) if name == "startswith" else needle in value

        if self.keyword("eq"):
            wanted = self.literal()
            return lambda r: matches(r) == bool(wanted)
        return matches


def parse_filter(text: str) -> Predicate:
    parser = _Parser(_tokens(text))
    predicate = parser.expression()
    if parser.peek() is not None:
        raise QueryError(f"Unexpected {parser.peek()[1]!r} in $filter")
    return predicate


def conjuncts(text: str) -> list[tuple[str, str, Any]]:
    """(field, operator, value) of the plain comparisons every match must meet, for a filter
    that joins only such comparisons with ``and`` (else none): lets a list read fewer rows; the
    filter itself still decides."""
    try:
        tokens = _tokens(text or "")
    except QueryError:
        return []
    words = {str(value).lower() for kind, value in tokens if kind == "word"}
    if words & {"or", "not"} or any(kind in "(),:" for kind, _ in tokens):
        return []
    found = []
    for start in range(0, len(tokens), 4):
        field, op, value = (tokens[start : start + 3] + [("", "")] * 3)[:3]
        if field[0] == "word" and op[0] == "word" and value[0] == "value":
            found.append((field[1], op[1].lower(), value[1]))
    return found


def _order_key(value: Any) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float | Decimal):
        return (1, Decimal(str(value)))
    parsed = parse_time(value) if isinstance(value, str) and value[:1].isdigit() else None
    return (2, parsed) if parsed else (3, str(value).casefold())


def order(rows: list[dict], text: str) -> list[dict]:
    """``$orderby=Field [asc|desc], ...``: later keys first, as a stable sort needs."""
    for part in reversed([p.strip() for p in text.split(",") if p.strip()]):
        words = part.split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise QueryError(f"Cannot read $orderby {part!r}")
        descending = len(words) == 2 and words[1].lower() == "desc"
        rows = sorted(
            rows, key=lambda r, f=words[0]: _order_key(field_value(r, f)), reverse=descending
        )
    return rows


def _whole(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not str(raw).isdigit():
        raise QueryError(f"{name} must be a whole number")
    return int(raw)


def page(rows: list[dict], params, next_base: str) -> dict:
    """Apply the options to ``rows`` and answer MYOB's envelope."""
    if params.get("$filter"):
        predicate = parse_filter(params["$filter"])
        rows = [row for row in rows if predicate(row)]
    if params.get("$orderby"):
        rows = order(rows, params["$orderby"])
    top = min(_whole(params, "$top", DEFAULT_PAGE), MAX_PAGE)
    skip = _whole(params, "$skip", 0)
    chosen = rows[skip : skip + top]
    next_link = None
    if skip + top < len(rows):
        query = {k: v for k, v in params.items() if k not in ("$top", "$skip")}
        query |= {"$top": top, "$skip": skip + top}
        next_link = f"{next_base}?{urlencode(query)}"
    return {"Items": chosen, "NextPageLink": next_link, "Count": len(rows)}
