"""chinwag-answerbot-llm: answers visitors with a language model the site runs or chooses (any
OpenAI-compatible chat-completions endpoint), grounded only in passages of published
knowledge-base articles (chinwag-kb), citing them, and handing the conversation to a person when
they do not support an answer or the endpoint fails (docs/answerbot-llm.md)."""
