"""Pure domain logic: plain data in, plain data out; no I/O, no framework, no app imports."""
