"""Data contracts (ODCS v3): loading, lint, rules compiled to SQL, and their results."""
