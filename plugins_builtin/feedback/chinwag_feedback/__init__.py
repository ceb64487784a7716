"""chinwag-feedback: thumbs and reasons on answers, a CSAT/NPS survey, and reports."""
