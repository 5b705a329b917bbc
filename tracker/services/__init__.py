"""Services: the only code that touches db.session; they flush, never commit."""
