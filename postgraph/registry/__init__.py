"""Registries of what a run uses, each versioned and labelled the same way:

    prompts     postgraph/prompts/registry.json (+ one file per prompt version)
    models      postgraph/registry/models.json  (a model per role, per version)
    retrieval   postgraph/registry/retrieval.json (retrieval strategies)

A label (production, staging, candidate) names one version and keeps the versions it named
before, so `rollback` moves it back one step. The files live in the repository: a promotion
is a reviewable diff, and git keeps who moved what when.
"""
