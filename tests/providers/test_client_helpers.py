from __future__ import annotations


def test_an_answer_missing_what_we_need_is_transient_not_a_crash():
    import pytest

    from apps.integrations.contract import TransientError
    from apps.integrations.wire import malformed_is_transient

    @malformed_is_transient("Xero")
    def reads(answer):
        return answer["Contacts"][0]["ContactID"]

    @malformed_is_transient("Xero")
    def pages(answer):
        yield answer["Contacts"]

    with pytest.raises(TransientError, match="Xero answered something unexpected"):
        reads({})
    with pytest.raises(TransientError):
        list(pages({}))
