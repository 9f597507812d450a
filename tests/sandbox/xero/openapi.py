"""Checks a Xero sandbox answer against Xero's own OpenAPI specification (spec/xero_accounting.yaml,
XeroAPI/Xero-OpenAPI 16.1.0, MIT licence in spec/LICENSE).

The YAML is parsed once per machine and kept as a pickle in the temporary directory, keyed by
the file's content hash, so test sessions do not pay for parsing 900 KB each time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_FILE = Path(__file__).parent / "spec" / "xero_accounting.yaml"
API_PREFIX = "/sandbox/xero/api.xro/2.0"
SPEC_URI = "urn:xero-accounting"


class SpecMismatch(AssertionError):
    pass


@functools.cache
def spec() -> dict[str, Any]:
    raw = SPEC_FILE.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    cached = Path(tempfile.gettempdir()) / f"ledgerlink-xero-accounting-{digest}.pickle"
    if cached.exists():
        try:
            return pickle.loads(cached.read_bytes())
        except (pickle.UnpicklingError, EOFError):
            pass
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(raw, Loader=loader)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")  # each writer its own, then one rename
    partial.write_bytes(pickle.dumps(document))
    partial.replace(cached)
    return document


@functools.cache
def _registry() -> Registry:
    resource = Resource.from_contents(spec(), default_specification=DRAFT4)
    return Registry().with_resource(SPEC_URI, resource)


@functools.cache
def _routes() -> list[tuple[re.Pattern[str], str, int]]:
    """Each path of the spec as a regex; literal paths are tried before templated ones."""
    routes = []
    for template in spec()["paths"]:
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        routes.append((re.compile(f"^{pattern}$", re.IGNORECASE), template, template.count("{")))
    return sorted(routes, key=lambda route: route[2])


def operation(method: str, url: str) -> dict[str, Any]:
    path = urlsplit(url).path
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :]
    for pattern, template, _ in _routes():
        if pattern.match(path):
            found = spec()["paths"][template].get(method.lower())
            if found is not None:
                return found
    raise SpecMismatch(f"{method} {path} is not an operation of the Xero Accounting API")


def response_schema(method: str, url: str, status: int) -> dict[str, Any] | None:
    """The schema of the answer, or None when the spec documents a body-less answer."""
    responses = operation(method, url)["responses"]
    answer = responses.get(str(status))
    if answer is None:
        if 400 <= status < 500:
            # Refusals the spec does not list for this operation still come in Xero's Error shape.
            return {"$ref": f"{SPEC_URI}#/components/schemas/Error"}
        raise SpecMismatch(f"{method} {url} is not documented to answer {status}")
    if "$ref" in answer:
        answer = spec()["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
    schema = answer.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    return {"$ref": f"{SPEC_URI}{schema['$ref']}"} if "$ref" in schema else schema


def validate(method: str, url: str, status: int, body: Any) -> None:
    """Raise SpecMismatch unless ``body`` is what the spec says this operation answers."""
    schema = response_schema(method, url, status)
    if schema is None:
        if body not in (None, b"", ""):
            raise SpecMismatch(f"{method} {url} answered {status} with a body the spec lacks")
        return
    validator = OAS30ReadValidator(
        schema, registry=_registry(), format_checker=oas30_format_checker
    )
    problems = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if problems:
        lines = [f"{'/'.join(map(str, p.absolute_path))}: {p.message}" for p in problems[:10]]
        raise SpecMismatch(
            f"{method} {url} ({status}) does not match the spec:\n" + "\n".join(lines)
        )


def check_response(response) -> Any:
    """A ``requests`` response validated against the spec; returns its JSON (or None)."""
    request = response.request
    body = response.json() if response.content else None
    try:
        validate(request.method, request.url, response.status_code, body)
    except ValidationError as wrong:  # pragma: no cover - iter_errors reports instead
        raise SpecMismatch(str(wrong)) from wrong
    return body
