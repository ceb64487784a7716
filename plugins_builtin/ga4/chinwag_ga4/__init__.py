"""chinwag-ga4: Chinwag's analytics events in Google Analytics 4 through the Measurement Protocol
(docs/ga4.md)."""
