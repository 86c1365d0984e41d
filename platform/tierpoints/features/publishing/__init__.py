"""Publishing indicator sets: drafts, validation, publication, export back to pack files."""

from tierpoints.features.publishing.controller import PublishingController

__all__ = ["PublishingController"]
