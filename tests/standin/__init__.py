"""Local stand-ins for services, used by tests and by end-to-end runs of the editor shells."""
