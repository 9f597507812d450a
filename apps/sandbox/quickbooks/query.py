"""The subset of QBO's query language the product and python-quickbooks use:

``SELECT * | COUNT(*) FROM Entity [WHERE f op v [AND ...]] [ORDERBY f [ASC|DESC], ...]
[STARTPOSITION n] [MAXRESULTS n]`` with ``= < > <= >= IN (...) LIKE``; strings in single
quotes with ``\\'`` escapes. Anything else is QBO's 4000 "Error parsing query".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils import timezone

from apps.sandbox import store
from apps.sandbox.models import SandboxCompany

from . import faults
from .records import company_zone, render
from .schema import ENTITIES, Entity

DEFAULT_PAGE = 100
MAX_PAGE = 1000
TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:\\.|[^'\\])*')|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])"
    r"|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),*])|(?P<word>[A-Za-z_][\w.]*))"
)
OPERATORS = {"=", "<", ">", "<=", ">=", "IN", "LIKE"}
META_FIELDS = {"MetaData.CreateTime", "MetaData.LastUpdatedTime"}


@dataclass
class Condition:
    field: str
    op: str
    values: list[Any]


@dataclass
class Query:
    entity: Entity
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = DEFAULT_PAGE


def tokenize(text: str) -> list[tuple[str, Any]]:
    tokens, position, text = [], 0, text.strip().rstrip(";")
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise faults.query_parse(
                f'Encountered " {text[position : position + 10]!r} " at column {position + 1}'
            )
        position = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "number":
            value = Decimal(value)
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise faults.query_parse("Encountered <EOF>: the query ends too early")
        self.index += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() in words:
            self.index += 1
            return token[1].upper()
        return None

    def expect(self, word: str) -> None:
        if self.keyword(word) is None:
            raise faults.query_parse(f"Was expecting {word} near {self._near()}")

    def _near(self) -> str:
        token = self.peek()
        return repr(token[1]) if token else "<EOF>"

    def integer(self) -> int:
        kind, value = self.take()
        if kind != "number" or value != value.to_integral_value() or value < 0:
            raise faults.query_parse(f"Was expecting a whole number, found {value!r}")
        return int(value)

    def value(self) -> Any:
        kind, value = self.take()
        if kind in ("string", "number"):
            return value
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise faults.query_parse(f"Was expecting a value, found {value!r}")


def parse(text: str) -> Query:
    if not isinstance(text, str) or not text.strip():
        raise faults.query_parse("The query is empty")
    p = _Parser(text)
    p.expect("SELECT")
    count = _select_list(p)
    p.expect("FROM")
    kind, name = p.take()
    entity = next(
        (e for e in ENTITIES.values() if kind == "word" and e.name.lower() == name.lower()), None
    )
    if entity is None:
        raise faults.query_invalid(f"Invalid entity {name!r} in the query")
    query = Query(entity=entity, count=count)
    if p.keyword("WHERE"):
        query.where.append(_condition(p, entity))
        while p.keyword("AND"):
            query.where.append(_condition(p, entity))
        if p.keyword("OR"):
            raise faults.query_parse("OR is not supported")
    if p.keyword("ORDERBY") or (p.keyword("ORDER") and (p.expect("BY") or True)):
        query.order.append(_order_item(p, entity))
        while p.peek() == ("punct", ","):
            p.take()
            query.order.append(_order_item(p, entity))
    if p.keyword("STARTPOSITION"):
        query.start = max(1, p.integer())
    if p.keyword("MAXRESULTS"):
        query.max_results = p.integer()
        if query.max_results > MAX_PAGE:
            # Intuit's answer, quoted in ruckus/quickbooks-ruby#24: "Invalid query:
            # QueryValidationError: value 1500 is too large. Max allowed value is 1000".
            raise faults.query_invalid(
                f"value {query.max_results} is too large. Max allowed value is {MAX_PAGE}"
            )
    if p.peek() is not None:
        raise faults.query_parse(f"Encountered {p._near()}: unexpected text at the end")
    return query


def _select_list(p: _Parser) -> bool:
    kind, value = p.take()
    if kind == "word" and value.upper() == "COUNT":
        for expected in ("(", "*", ")"):
            if p.take() != ("punct", expected):
                raise faults.query_parse("Was expecting COUNT(*)")
        return True
    if (kind, value) != ("punct", "*") and kind != "word":
        raise faults.query_parse(f"Was expecting * or a field, found {value!r}")
    while p.peek() == ("punct", ","):  # "SELECT *, Sku FROM Item" is accepted
        p.take()
        if p.take()[0] != "word":
            raise faults.query_parse("Was expecting a field name after ','")
    return False


def _field(p: _Parser, entity: Entity) -> str:
    """The field's own spelling: QBO reads property names without regard to case."""
    kind, name = p.take()
    if kind != "word":
        raise faults.query_parse(f"Was expecting a field name, found {name!r}")
    known = {field.lower(): field for field in (*entity.fields, *META_FIELDS)}
    head, _, rest = name.partition(".")
    canonical = known.get(name.lower()) or known.get(head.lower())
    if canonical is None:
        raise faults.query_invalid(f"property '{name}' is not queryable for {entity.name}")
    if canonical in META_FIELDS or not rest:
        return canonical
    return f"{canonical}.{rest}"


def _condition(p: _Parser, entity: Entity) -> Condition:
    name = _field(p, entity)
    kind, op = p.take()
    op = op.upper() if kind == "word" else op
    if op not in OPERATORS:
        raise faults.query_parse(f"Operator {op!r} is not supported")
    if op != "IN":
        return Condition(name, op, [p.value()])
    if p.take() != ("punct", "("):
        raise faults.query_parse("Was expecting ( after IN")
    values = [p.value()]
    while p.peek() == ("punct", ","):
        p.take()
        values.append(p.value())
    if p.take() != ("punct", ")"):
        raise faults.query_parse("Was expecting ) to close IN")
    return Condition(name, op, values)


def _order_item(p: _Parser, entity: Entity) -> tuple[str, bool]:
    name = _field(p, entity)
    direction = p.keyword("ASC", "DESC")
    return name, direction == "DESC"


def field_value(row: dict[str, Any], name: str) -> Any:
    value: Any = row
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, dict):
        for key in ("value", "Address", "FreeFormNumber", "URI"):
            if key in value:
                return value[key]
    return value


def _comparable(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value)
    try:
        return Decimal(text)
    except InvalidOperation:
        pass
    if re.match(r"^\d{4}-\d{2}-\d{2}T", text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text.casefold()
        # A time without offset (python-quickbooks sends those) is read in the sandbox's zone.
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    return text.casefold()


def _compare(left: Any, op: str, right: Any) -> bool:
    a, b = _comparable(left), _comparable(right)
    if op == "=":
        return a == b
    if a is None or type(a) is not type(b):
        return False
    try:
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    except TypeError:
        return False


def _like(value: Any, pattern: Any) -> bool:
    if value is None:
        return False
    regex = ".*".join(re.escape(part) for part in str(pattern).split("%"))
    return re.fullmatch(regex, str(value), flags=re.IGNORECASE | re.DOTALL) is not None


def matches(row: dict[str, Any], condition: Condition) -> bool:
    value = field_value(row, condition.field)
    if condition.op == "IN":
        return any(_compare(value, "=", option) for option in condition.values)
    if condition.op == "LIKE":
        return _like(value, condition.values[0])
    return _compare(value, condition.op, condition.values[0])


def run(company: SandboxCompany, text: str) -> dict[str, Any]:
    """The ``QueryResponse`` of a query.

    Conditions on ids and ``Active`` are answered by the database, which then also counts and
    pages; equality on names, e-mail addresses, numbers and references reads only the records
    whose look-up key matches. Every other condition is tested on each rendered record."""
    query = parse(text)
    conditions = list(query.where)
    if query.entity.has_active and not any(c.field == "Active" for c in conditions):
        conditions.append(Condition("Active", "=", [True]))
    qs = store.records(company, query.entity.name)
    exact = True
    for condition in conditions:
        narrowing, answered = _narrowing(query.entity, condition)
        qs = qs.filter(narrowing) if narrowing is not None else qs
        exact = exact and answered
    if exact and query.count:
        return {"totalCount": qs.count()}
    if exact and not query.order:
        return _answer(query, _page_in_id_order(qs, query, company_zone(company)))
    zone = company_zone(company)
    rows = [render(record, zone) for record in sorted(qs, key=lambda r: _sort_key(r.record_id))]
    rows = [row for row in rows if all(matches(row, c) for c in conditions)]
    if query.count:
        return {"totalCount": len(rows)}
    for name, descending in reversed(query.order):
        rows.sort(key=lambda row, n=name: _sort_key(field_value(row, n)), reverse=descending)
    return _answer(query, rows[query.start - 1 : query.start - 1 + query.max_results])


def _answer(query: Query, page: list[dict[str, Any]]) -> dict[str, Any]:
    if not page:
        return {}
    return {query.entity.name: page, "startPosition": query.start, "maxResults": len(page)}


def _page_in_id_order(qs, query: Query, zone: tzinfo) -> list[dict[str, Any]]:
    """The page asked for, in the order of ids QBO lists records in (1, 2, ... 10, then
    non-numeric ids): the ids are sorted here, and only the page's records are read."""
    ids = sorted(qs.values_list("record_id", "pk"), key=lambda pair: _sort_key(pair[0]))
    chosen = [pk for _, pk in ids[query.start - 1 : query.start - 1 + query.max_results]]
    by_pk = qs.in_bulk(chosen)
    return [render(by_pk[pk], zone) for pk in chosen]


# Wrapped values (a reference's "value", an e-mail's "Address") are compared by what they wrap.
_WRAPPED = ("value", "Address")


def _narrowing(entity: Entity, condition: Condition) -> tuple[Q | None, bool]:
    """A database condition every record meeting ``condition`` meets (None: no narrowing), and
    whether it is met by those records only."""
    if condition.op not in ("=", "IN"):
        return None, False
    if condition.field == "Id":
        return Q(record_id__in=[str(v) for v in condition.values]), True
    if condition.field == "Active" and all(isinstance(v, bool) for v in condition.values):
        return Q(data__Active__in=condition.values), True
    if not all(isinstance(_comparable(v), str) for v in condition.values):
        return None, False  # numbers and times compare by value, not by their text
    path = tuple(condition.field.split("."))
    for keyed in (path, *((*path, wrapped) for wrapped in _WRAPPED)):
        narrowing = store.key_filter(entity.name, keyed, condition.values)
        if narrowing is not None:
            return narrowing, False
    return None, False


def _sort_key(value: Any) -> tuple:
    comparable = _comparable(value)
    if comparable is None:
        return (2, "")
    if isinstance(comparable, Decimal):
        return (0, comparable)
    return (1, str(comparable))
