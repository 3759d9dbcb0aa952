"""Price alerts: rules, the evaluator and the outbox, as plain data (no Telegram types)."""
