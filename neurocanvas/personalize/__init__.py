"""Bandits, rewards, preferences and recommendations."""
