"""What every QBO API answer goes through on its way out, and the ``minorversion`` check on the
way in (see docs/sandbox-quickbooks.md, "Faults in XML" and "minorversion").

- A request whose ``Accept`` does not ask for JSON gets its fault in Intuit's XML
  (``<IntuitResponse><Fault type=".."><Error code=".." element=".."><Message/><Detail/>``): the
  Accounting API answers XML unless JSON is asked for.
  https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
- The 429 Intuit's gateway sends when too many requests run at once is XML whatever was asked
  for (ej2/python-quickbooks#43 "Requesting json, receiving XML error"; the body quoted in
  intuit/QuickBooks-V3-PHP-SDK#54).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from xml.sax.saxutils import escape, quoteattr

from django.http import HttpRequest, HttpResponse

from apps.sandbox.responses import qbo_time

from . import faults

XML_NAMESPACE = "http://schema.intuit.com/finance/v3"
# Since 1 August 2025 Intuit ignores minor versions 1 to 74 and answers as 75, the latest.
# https://blogs.intuit.com/2025/01/21/changes-to-our-accounting-api-that-may-impact-your-application
LATEST_MINOR_VERSION = 75


def wants_json(request: HttpRequest) -> bool:
    return "json" in request.headers.get("Accept", "").lower()


def xml_fault(fault_type: str, errors: list[dict], *, time: str = "") -> str:
    parts = []
    for error in errors:
        # The 401 body spells its keys in lower case; XML has one spelling.
        get = {key.lower(): value for key, value in error.items()}.get
        attributes = f" code={quoteattr(str(get('code', '')))}"
        if get("element"):
            attributes += f" element={quoteattr(str(get('element')))}"
        detail = f"<Detail>{escape(str(get('detail')))}</Detail>" if get("detail") else ""
        parts.append(
            f"<Error{attributes}><Message>{escape(str(get('message', '')))}</Message>"
            f"{detail}</Error>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse xmlns="{XML_NAMESPACE}" time="{time or qbo_time()}">'
        f"<Fault type={quoteattr(fault_type)}>{''.join(parts)}</Fault></IntuitResponse>"
    )


def as_xml(response: HttpResponse) -> HttpResponse:
    """A JSON fault answer rewritten as Intuit's XML one, headers and status kept."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return response
    fault = body.get("Fault") or body.get("fault") if isinstance(body, dict) else None
    if not isinstance(fault, dict):
        return response
    errors = fault.get("Error") or fault.get("error") or []
    xml = xml_fault(str(fault.get("type", "")), errors, time=str(body.get("time", "")))
    answer = HttpResponse(xml, status=response.status_code, content_type="application/xml")
    for header, value in response.items():
        if header.lower() not in ("content-type", "content-length"):
            answer[header] = value
    return answer


def gateway_throttle(retry_after: int) -> HttpResponse:
    """Intuit's gateway refusing one request too many at once: XML, even to a JSON client."""
    error = {
        "code": "3001",
        "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "Detail": "The request limit was reached.  Try again later",
    }
    response = HttpResponse(
        xml_fault("SERVICE", [error]), status=429, content_type="application/xml"
    )
    response["Retry-After"] = str(retry_after)
    return response


def shaped(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Outermost wrapper of a QBO API view: faults in XML when JSON is not asked for."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code >= 400 and not wants_json(request):
            return as_xml(response)
        return response

    return wrapper


def check_minor_version(value: str | None) -> None:
    """``minorversion`` must be a whole number no higher than the latest Intuit serves; lower
    ones are answered as the latest (Intuit's 2025 change above)."""
    if value is None:
        return
    if not value.strip().isdigit() or int(value) > LATEST_MINOR_VERSION or int(value) < 1:
        raise faults.invalid_property(
            f"Property Name:minorversion specified is unsupported or invalid. Supported minor "
            f"versions are 1 to {LATEST_MINOR_VERSION}; supplied: {value}",
            "minorversion",
        )


def minor_version_checked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Innermost wrapper (after authentication): an unknown ``minorversion`` is refused."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            check_minor_version(request.GET.get("minorversion"))
        except faults.QboFault as fault:
            return fault.response()
        return view(request, *args, **kwargs)

    return wrapper
