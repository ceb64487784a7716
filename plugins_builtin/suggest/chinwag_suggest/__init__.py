"""chinwag-suggest: suggestion chips. Questions per page and per visitor segment set by admins,
the site's most-asked questions and the questions that tended to come next, learned from
conversations the bot resolved; every chip's click-through and resolution rate in the admin
(docs/suggest.md)."""
