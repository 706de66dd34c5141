"""Zoom (zoom.us): start a meeting and hand back its join link."""
