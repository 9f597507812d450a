from __future__ import annotations

import pytest

from apps.customers.matching import (
    customer_find_match,
    name_tokens_key,
    normalise_email,
    normalise_name,
    normalise_phone,
)
from apps.customers.services import customer_create
from tests.factories import OrganisationFactory


def test_email_is_stripped_and_lower_cased():
    assert normalise_email("  Nick.Brown@Example.COM ") == "nick.brown@example.com"


@pytest.mark.parametrize(
    "phone", ["(207) 555-0142", "+1 207 555 0142", "207.555.0142", "001 207 555 0142"]
)
def test_one_phone_number_in_any_format_has_one_key(phone):
    assert normalise_phone(phone) == "075550142"


def test_australian_number_with_and_without_country_code_match():
    assert normalise_phone("+61 412 345 678") == normalise_phone("0412 345 678")


def test_too_short_phone_is_no_key():
    assert normalise_phone("ext 42") == ""


def test_name_loses_punctuation_case_and_extra_spaces():
    assert normalise_name("  Brown,   Nick. ") == "brown nick"
    assert name_tokens_key("Brown, Nick") == name_tokens_key("nick  BROWN")


@pytest.mark.django_db
class TestFindMatch:
    @pytest.fixture
    def org(self):
        return OrganisationFactory()

    def test_email_wins_in_any_case(self, org):
        nick = customer_create(organisation=org, display_name="Nick Brown", email="nick@ex.com")
        found = customer_find_match(organisation=org, email="NICK@ex.com ", name="N B", phone="")
        assert found == nick

    def test_name_and_phone_together_match_when_email_differs(self, org):
        nick = customer_create(organisation=org, display_name="Nick Brown", phone="207 555 0142")
        found = customer_find_match(
            organisation=org, email="other@ex.com", name="Brown, Nick", phone="+1 (207) 555-0142"
        )
        assert found == nick

    def test_name_without_the_same_phone_is_not_a_match(self, org):
        customer_create(organisation=org, display_name="Nick Brown", phone="207 555 0142")
        assert customer_find_match(organisation=org, email="", name="Nick Brown", phone="") is None
        assert (
            customer_find_match(organisation=org, email="", name="Nick Brown", phone="207 555 9999")
            is None
        )

    def test_merged_customers_and_other_organisations_are_never_matched(self, org):
        keep = customer_create(organisation=org, display_name="Keep", email="k@ex.com")
        gone = customer_create(organisation=org, display_name="Gone", email="g@ex.com")
        gone.merged_into = keep
        gone.save()
        assert customer_find_match(organisation=org, email="g@ex.com", name="", phone="") is None
        other = OrganisationFactory()
        assert customer_find_match(organisation=other, email="k@ex.com", name="", phone="") is None
