"""Local QuickBooks Online and Xero servers for the demo, the tests and the benchmarks.

Layout: ``gateway`` (every API request: token, company, limits, faults, log, idempotency),
``store`` (records; every save bumps the version and notifies), ``webhooks`` (signed
notifications, redelivered), ``oauth`` + ``oauth_views`` (both providers), ``control`` (fault
injection, request log), ``console`` (staff pages), ``quickbooks/`` (the QBO Accounting API) and
``xero/`` (the Xero Accounting API); ``tools/`` (the sync benchmark and the fault suite, which
run the product's processes against these servers).

Settings read here besides those in config/settings.py, for tests:
``SANDBOX_LIMITS`` (e.g. ``{"quickbooks": {"minute": 3}}`` lowers a limit),
``SANDBOX_WEBHOOKS_INLINE`` (post webhooks in the request thread right after commit instead of
the background sender) and ``SANDBOX_FAULT_TIMEOUT_SECONDS`` (how long a "timeout" fault
holds the request, 30 by default).
"""
