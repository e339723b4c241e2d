"""The release gate's runner: the golden set through the writer, scored in code, compared with
the production baseline, decided and reported (`postgraph eval run`)."""
