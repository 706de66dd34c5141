"""Two-way sync of workspace folders with drive folders (any connector with ``Drive``).

- :mod:`.engine`: one round of one link -- what changed where, pulls, pushes, moves,
  deletes and conflicts (kept both, never overwritten), and resolving them;
- :mod:`.localfs`: the local folder -- the walk (stat first, hash when needed), atomic
  writes, ignore patterns, the names of exports and conflict copies;
- :mod:`.state`: what both sides last agreed on, per path, in the store;
- :mod:`.links`: the links the settings (``docsync.links``) ask for, matched to signed-in
  sessions, and the rounds the hub runs for them.
"""
