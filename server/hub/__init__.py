"""The hub: registry, config, auth, vault, HTTP stack, store, jobs, sync, events, health."""
