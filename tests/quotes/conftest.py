from tests.staff import (  # noqa: F401
    alice,
    as_alice,
    as_bob,
    as_charlie,
    bob,
    charlie,
    fast_passwords,
    org,
)
