"""A Xero Accounting API compatible sandbox (https://developer.xero.com/documentation/api/accounting/overview)."""
