"""chinwag-mixpanel: Chinwag's analytics events in Mixpanel (docs/mixpanel.md)."""
