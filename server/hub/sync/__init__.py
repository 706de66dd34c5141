"""Sync: mirror what the editor shows, detect what changed, publish domain events."""
