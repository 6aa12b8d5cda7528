"""Persistence: models, repositories, unit of work, migrations. Imports nothing of ours."""
