"""One folder per capability: its HTTP controller, its use cases and its schemas side by side."""
