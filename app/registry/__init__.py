"""The trusted issuer registry: which issuer DIDs a verifier trusts, with their QA."""
