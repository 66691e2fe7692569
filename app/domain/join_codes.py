"""Workshop join codes: short, typed on phones, read aloud in a hall."""

import random

# No 0/O, 1/I/L: nothing a person can misread from a projector.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6


def generate(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))


def normalize(typed: str) -> str:
    """Uppercase and drop spaces and dashes: " abc-123 " -> "ABC123"."""
    return "".join(ch for ch in typed.upper() if ch not in " -\t")


def is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)
