"""Claim checking: which sentences of a post state facts, which numbers and names
they carry, and whether the evidence chunks back them.

The checker trusts code for what code can see and uses the embedding model only to decide
whether a passage talks about the same thing:

* every number of a claim must appear in the supporting chunk, compared as normalized values
  (1,200 == 1200, 12% == 12 percent, .5 == 0.5, $1.2k == $1,200, 1.5 seconds == 1,500 ms),
  and all of them inside one passage of at most three consecutive sentences (or one table
  row read with its header), so numbers picked from unrelated paragraphs do not add up to a
  fact;
* every name (people, companies, products, identifiers such as p95, INT8, lf-embed-v3) and
  every date (years, months, quarters) must appear in the chunk or elsewhere in the same
  document (its title and its other evidence chunks): a paragraph about "the bank" belongs
  to the document that names Fernhollow Bank;
* that passage must be close in meaning to the claim (embedding cosine similarity, or
  term overlap when no embedding model is given);
* a close passage about the same subject that gives other numbers, moves the other way
  (rose / fell), ranks differently (largest / second), states another cadence (monthly /
  each quarter), another share (all 18 / 17 of 18; most / a minority) or gives the claim's
  "after" number as its "before" number, contradicts the claim.

Nothing here loads a model: the caller passes `embed` (a batch function), or None.

    vocabulary   number words, units, months, directions, shares, ranks, cadences
    numbers      numbers with units and roles ("from X to Y"), fractions, years
    names        names in a sentence (capitalised runs, CamelCase, acronyms)
    facts        what a text asserts: numbers, names, dates, fractions, quotes
    claims       which sentences of a post are claims
    passages     evidence read as passages of one to three sentences or table rows
    conflicts    how a passage about the claim's subject disagrees with it
    verdicts     supported / contradicted / unsupported per claim, with the reason
    citations    a post's verdicts, whether it passes, its citations
"""
