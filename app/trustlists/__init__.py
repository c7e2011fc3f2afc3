"""EU trusted lists (ETSI TS 119 612): import, signature check, lookup of a seal's CA."""
