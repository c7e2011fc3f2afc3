"""OpenID4VCI 1.0 issuer, pre-authorized code flow: offers, token, nonce, credential."""
