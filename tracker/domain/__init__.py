"""Pure domain code: no Flask, no database. "Today" is always an argument."""
