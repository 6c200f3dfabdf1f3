"""The Hexpack bot: direct messages to users, sent after commit from a durable outbox."""
