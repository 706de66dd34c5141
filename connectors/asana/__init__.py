"""Asana (app.asana.com): the signed-in user's tasks, comments, complete and start work."""
