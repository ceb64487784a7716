"""chinwag-answerbot: answers visitors from the knowledge base (chinwag-kb) before a person has
to, quoting and linking a published article every time, and hands the conversation to the
human queue with a note for the agent when the answer did not help (docs/answerbot.md)."""
