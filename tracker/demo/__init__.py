"""The demonstration data that `make run` loads: organisations, people, figures, a plan, a
conversation and two earlier years of history. Never loaded in production."""
