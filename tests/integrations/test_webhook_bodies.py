"""Correctly signed webhook bodies that are not the provider's shape: 400 with the reason, and
nothing written; never a 500, whatever the body."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apps.integrations.models import Provider, WebhookEvent

pytestmark = pytest.mark.django_db

QBO = ("/webhooks/quickbooks/", "intuit-signature", "QBO_WEBHOOK_VERIFIER")
XERO = ("/webhooks/xero/", "x-xero-signature", "XERO_WEBHOOK_KEY")
REALM, TENANT = "9130001", "4a0f8b62-1d1e-4c55-9a3e-0f6c1b2d3e4f"

QBO_CLOUD = [
    {
        "specversion": "1.0",
        "id": "88cd52aa-33b6-4351-9aa4-47572edbd068",
        "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
        "type": "qbo.invoice.updated.v1",
        "datacontenttype": "application/json",
        "time": "2026-11-22T07:00:00Z",
        "intuitentityid": "130",
        "intuitaccountid": REALM,
        "data": {},
    }
]
QBO_LEGACY = {
    "eventNotifications": [
        {
            "realmId": REALM,
            "dataChangeEvent": {
                "entities": [
                    {
                        "name": "Invoice",
                        "id": "130",
                        "operation": "Update",
                        "lastUpdated": "2026-11-22T07:00:00Z",
                    }
                ]
            },
        }
    ]
}
XERO_BODY = {
    "events": [
        {
            "resourceUrl": "https://api.xero.com/api.xro/2.0/Invoices/d3a4e1b2",
            "resourceId": "d3a4e1b2-0000-4000-8000-000000000001",
            "eventDateUtc": "2026-11-22T07:00:00.000",
            "eventType": "UPDATE",
            "eventCategory": "INVOICE",
            "tenantId": TENANT,
            "tenantType": "ORGANISATION",
        }
    ],
    "firstEventSequence": 1,
    "lastEventSequence": 1,
    "entropy": "S0m3r4Nd0mt3xt",
}


@pytest.fixture
def companies(make_integration):
    make_integration(Provider.QUICKBOOKS, remote_company_id=REALM)
    make_integration(Provider.XERO, remote_company_id=TENANT)


def post(client, django_settings, receiver, body: bytes):
    url, header, key_name = receiver
    key = getattr(django_settings, key_name)
    signature = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return client.post(url, body, content_type="application/json", headers={header: signature})


@pytest.mark.parametrize(
    "receiver, payload",
    [(QBO, QBO_CLOUD), (QBO, QBO_LEGACY), (XERO, XERO_BODY)],
    ids=["quickbooks", "quickbooks-legacy", "xero"],
)
def test_the_documented_shapes_are_kept(client, settings, companies, receiver, payload):
    response = post(client, settings, receiver, json.dumps(payload).encode())

    assert response.status_code == 200
    assert WebhookEvent.objects.get().integration is not None


def test_fields_outside_the_documented_shape_are_not_stored(client, settings, companies):
    payload = copy.deepcopy(QBO_CLOUD)
    payload[0]["unexpected"] = {"nested": "\u0000"}

    response = post(client, settings, QBO, json.dumps(payload).encode())

    assert response.status_code == 200
    assert "unexpected" not in WebhookEvent.objects.get().payload


BAD_QUICKBOOKS = {
    "a list of numbers": [1, 2, 3],
    "a string": "qbo.invoice.updated.v1",
    "a number": 5,
    "null": None,
    "an empty object": {},
    "a string where an event belongs": ["event"],
    "a string where data belongs": [{**QBO_CLOUD[0], "data": "string"}],
    "a number where the realm belongs": [{**QBO_CLOUD[0], "intuitaccountid": 9130001}],
    "an event without its id": [{k: v for k, v in QBO_CLOUD[0].items() if k != "id"}],
    "a NUL in the entity id": [{**QBO_CLOUD[0], "intuitentityid": "13\u00000"}],
    "a huge number in data": [{**QBO_CLOUD[0], "data": {"amount": 10**23}}],
    "notifications that are a number": {"eventNotifications": 5},
    "a string where dataChangeEvent belongs": {
        "eventNotifications": [{"realmId": REALM, "dataChangeEvent": "x"}]
    },
    "a number where an entity belongs": {
        "eventNotifications": [{"realmId": REALM, "dataChangeEvent": {"entities": [5]}}]
    },
}
BAD_XERO = {
    "events that are a number": {**XERO_BODY, "events": 5},
    "a list": [XERO_BODY],
    "no events": {k: v for k, v in XERO_BODY.items() if k != "events"},
    "a number where an event belongs": {**XERO_BODY, "events": [5]},
    "a NUL in the tenant id": {
        **XERO_BODY,
        "events": [{**XERO_BODY["events"][0], "tenantId": "tenant\u0000"}],
    },
    "a sequence beyond 32 bits": {**XERO_BODY, "lastEventSequence": 2**31},
    "a negative sequence": {**XERO_BODY, "firstEventSequence": -1},
    "a sequence that is true": {**XERO_BODY, "firstEventSequence": True},
    "a sequence that is a float": {**XERO_BODY, "firstEventSequence": 1.5},
    "no entropy": {k: v for k, v in XERO_BODY.items() if k != "entropy"},
    "an event type that is not a word": {
        **XERO_BODY,
        "events": [{**XERO_BODY["events"][0], "eventType": "<script>"}],
    },
}


@pytest.mark.parametrize(
    "receiver, payload",
    [(QBO, p) for p in BAD_QUICKBOOKS.values()] + [(XERO, p) for p in BAD_XERO.values()],
    ids=[f"quickbooks: {n}" for n in BAD_QUICKBOOKS] + [f"xero: {n}" for n in BAD_XERO],
)
def test_a_signed_body_of_another_shape_gets_400_with_a_reason(
    client, settings, companies, receiver, payload
):
    response = post(client, settings, receiver, json.dumps(payload).encode())

    assert response.status_code == 400
    assert response.content.decode().strip()
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("receiver", [QBO, XERO], ids=["quickbooks", "xero"])
@pytest.mark.parametrize(
    "body",
    [b"\x00", b'{"events": NaN}', b"[1e999]", b"[" * 100_000, b'"\\ud800"', b"\xff\xfe", b""],
)
def test_a_signed_body_that_is_not_plain_json_gets_400(client, settings, receiver, body):
    response = post(client, settings, receiver, body)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


# Property: arbitrary JSON-ish bodies, correctly signed.

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(alphabet=st.characters(codec=None), max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=16), children, max_size=4)
    ),
    max_leaves=16,
)
# The required places of each shape, and what belongs there.
REQUIRED = {
    "qbo": (
        QBO,
        QBO_CLOUD,
        [
            ((), list),
            ((0,), dict),
            *(((0, key), str) for key in ("specversion", "id", "source", "type")),
            ((0, "intuitentityid"), str),
            ((0, "intuitaccountid"), str),
        ],
    ),
    "qbo-legacy": (
        QBO,
        QBO_LEGACY,
        [
            (("eventNotifications",), list),
            (("eventNotifications", 0), dict),
            (("eventNotifications", 0, "realmId"), str),
            (("eventNotifications", 0, "dataChangeEvent"), dict),
            (("eventNotifications", 0, "dataChangeEvent", "entities"), list),
            (("eventNotifications", 0, "dataChangeEvent", "entities", 0), dict),
            (("eventNotifications", 0, "dataChangeEvent", "entities", 0, "id"), str),
        ],
    ),
    "xero": (
        XERO,
        XERO_BODY,
        [
            ((), dict),
            (("events",), list),
            (("events", 0), dict),
            (("firstEventSequence",), int),
            (("lastEventSequence",), int),
            (("entropy",), str),
            *((("events", 0, key), str) for key in ("tenantId", "resourceId", "eventType")),
        ],
    ),
}


def _replace(payload, path, value):
    if not path:
        return value
    payload = copy.deepcopy(payload)
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return payload


def _wrong_for(kind: type):
    if kind is int:
        return json_values.filter(lambda v: isinstance(v, bool) or not isinstance(v, int)) | (
            st.integers().filter(lambda v: not 0 <= v <= 2_147_483_647)
        )
    wrong = json_values.filter(lambda v: not isinstance(v, kind) or isinstance(v, bool))
    if kind is str:
        return wrong | st.just("") | st.text(min_size=1).map(lambda t: t + "\x00")
    return wrong


@st.composite
def misshapen(draw):
    """A documented body with one required place holding something that does not belong."""
    receiver, payload, places = REQUIRED[draw(st.sampled_from(sorted(REQUIRED)))]
    path, kind = draw(st.sampled_from(places))
    return receiver, _replace(payload, path, draw(_wrong_for(kind)))


PROPERTY = hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _places(value, path=()):
    """Every place in a body: the body itself, each item and each field, however deep."""
    yield path
    if isinstance(value, (dict, list)):
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            yield from _places(child, (*path, key))


@st.composite
def near_misses(draw):
    """A documented body with any one place holding anything at all."""
    receiver, payload, _ = REQUIRED[draw(st.sampled_from(sorted(REQUIRED)))]
    path = draw(st.sampled_from(list(_places(payload))))
    return receiver, json.dumps(_replace(payload, path, draw(json_values))).encode()


anything = st.tuples(
    st.sampled_from([QBO, XERO]),
    json_values.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=64),
)


@PROPERTY
@given(case=anything | near_misses())
def test_any_signed_body_gets_200_or_400_and_a_400_writes_nothing(
    client, settings, companies, case
):
    receiver, body = case
    before = WebhookEvent.objects.count()

    response = post(client, settings, receiver, body)

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert WebhookEvent.objects.count() == before


@PROPERTY
@given(case=misshapen())
def test_a_documented_body_with_anything_else_in_a_required_place_gets_400(
    client, settings, companies, case
):
    receiver, payload = case
    before = WebhookEvent.objects.count()

    response = post(client, settings, receiver, json.dumps(payload).encode())

    assert response.status_code == 400, payload
    assert WebhookEvent.objects.count() == before
