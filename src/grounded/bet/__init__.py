"""Bets on three dimensions, alternatives in option sets, assumptions and experiments."""
