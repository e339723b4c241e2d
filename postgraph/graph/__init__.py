"""The writing graph: state, runtime context, routing and the builder."""
