"""Settings, wiring, channel adapters, delivery and the command line."""
