"""chinwag-analytics: a first-party analytics sink that keeps daily aggregates in Chinwag's own
database, the admin's Analytics dashboard and ``GET /api/v1/analytics/summary``."""
