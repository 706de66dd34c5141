"""Tieline connectors: one package per service, plus the ``sdk`` contract they share."""
