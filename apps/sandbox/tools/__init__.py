"""Development tools beside the sandboxes: the sync benchmark (``manage.py benchmark_sync``) and
the fault suite (``manage.py fault_suite``). They start the product's processes against the
sandboxes and read the sandboxes' own records, so they live here, installed only with the
sandbox; product code imports none of it."""
