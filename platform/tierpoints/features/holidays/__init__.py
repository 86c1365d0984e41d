"""The State Council's holiday arrangements for years chinese-calendar does not carry yet."""
