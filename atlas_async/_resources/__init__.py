"""Resource namespaces of the client: ``atlas.envelopes``, ``atlas.templates``, ``atlas.platform``."""
