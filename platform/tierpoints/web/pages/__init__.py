"""One module per page family; each calls the features' services, never the HTTP API."""
