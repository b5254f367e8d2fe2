"""Forecast France's daily electricity consumption from the calendar and temperatures."""

__version__ = "0.1.0"
