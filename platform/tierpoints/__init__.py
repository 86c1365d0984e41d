"""Tierpoints: residence-permit points for a tiered government (province → city → county)."""

__version__ = "0.1.0"
