"""Determined points over time: whether they count on a date (validity, use), as a tenant
recognises them, and minors using their parents' or guardians' points."""
