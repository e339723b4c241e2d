"""One module per node of the writing graph; each is a small function from state (and
runtime) to a partial state update."""
