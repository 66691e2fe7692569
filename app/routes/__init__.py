"""HTTP routes, one module per feature; handlers parse, call one service, commit, render."""
