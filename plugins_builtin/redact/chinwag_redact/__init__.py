"""chinwag-redact: card numbers, IBANs, a site's national identifiers and, if asked, e-mail
addresses and phone numbers masked in messages before they are stored (docs/redaction.md)."""
