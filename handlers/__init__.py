"""Platform-neutral conversations: types, router, flow engine, commands, lookups, tier rules."""
