"""Linear (linear.app): issues, cycles and workflow states of the signed-in account."""
