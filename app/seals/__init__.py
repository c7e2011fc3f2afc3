"""JAdES electronic seals (ETSI TS 119 182-1) on Europass / EDC credentials: the envelope,
the signature, the certificate path, RFC 3161 timestamps and QC statements. No HTTP, no
database: app.verify.pipeline calls report.verify_seal."""
