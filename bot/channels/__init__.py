"""Channel adapters: the only code that imports telegram or wechaty."""
