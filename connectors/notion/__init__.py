"""Notion: pages as the sdk's neutral block tree (``Pages``)."""
