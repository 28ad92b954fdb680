"""Heatdesk: the work-order system of a 12345 heating service desk (供热专席)."""

__version__ = "0.1.0"
