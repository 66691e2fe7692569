"""Use cases: take a Session, load rows, call the domain, add and flush; the caller commits."""
