"""Delivering awards into learners' wallets: OpenID4VCI, SD-JWT VC, VC-API exchanges."""
