"""A local Stripe-compatible API (docs/sandbox-stripe.md): accounts and secret keys, charges,
balance transactions, payouts, events, and signed webhook deliveries."""
