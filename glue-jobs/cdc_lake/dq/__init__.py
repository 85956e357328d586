"""Data-quality checks over the lake: rules (YAML), one pure check per rule type, the Postgres source."""
