"""`postgraph claims check`: every claim of a text, its verdict, the passage, and the rule or
model that decided."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from postgraph.cli.common import JsonOption, console, fail, print_json
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="Check claims against the sources.", no_args_is_help=True)
SEARCH_K = 8


@app.command("check")
def claims_check(
    text: Annotated[str, typer.Argument(help="A post, or any text whose claims to check.")],
    source: Annotated[list[Path] | None, typer.Option(
        help="Check against this file (parsed as ingestion parses it; repeatable) instead of the index.")] = None,
    judge: Annotated[str, typer.Option(
        help="Judge model id for claims only similarity backs (checker:ADAPTER.gguf, llamacpp:..., ollama:...); "
             "default: POSTGRAPH_JUDGE_MODEL or the model registry's production judge; 'none' for rules only.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Split TEXT into claims and check each against the sources: the ingested index, or --source files."""
    from postgraph.factcheck.citations import PostCheck, check_post
    from postgraph.factcheck.judge import judge_claims
    from postgraph.graph.judging import configured_judge, judge_ask
    from postgraph.search.embeddings import make_embeddings

    settings = get_settings()
    try:
        if not text.strip():
            raise PostgraphError("The text is empty: give the claims to check.")
        embeddings, _ = make_embeddings(settings)
        evidence = _file_evidence(source, settings) if source else _index_evidence(text, embeddings, settings)
        checked = check_post(text, evidence, embeddings.embed_documents)
        judge = "" if judge == "none" else judge or configured_judge(settings)
        if judge:
            judged = judge_claims(checked.claims, evidence, judge_ask(judge, settings), judge=judge,
                                  calls_left=lambda _: True)
            checked = PostCheck(judged.checks, checked.not_claims)
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json({"judge": judge or "none", "claims": [c.model_dump() for c in checked.claims],
                    "not_claims": [n.model_dump() for n in checked.not_claims], "evidence_chunks": len(evidence)})
        return
    table = Table("claim", "verdict", "decided by", "passage / reason", title=f"claims ({len(evidence)} evidence chunks; judge: {judge or 'none'})")
    styles = {"supported": "green", "contradicted": "red", "unsupported": "yellow", "unchecked": "yellow"}
    for check in checked.claims:
        table.add_row(escape(check.claim), f"[{styles[check.verdict]}]{check.verdict}[/]", check.decided_by or "rules",
                      escape(check.reason))
    console.print(table)
    for sentence in checked.not_claims:
        console.print(f"[dim]not checked ({sentence.kind}): {escape(sentence.sentence)}[/]")


def _file_evidence(paths: list[Path], settings):
    from postgraph.ingest.evidence import file_evidence

    return [item for path in paths for item in file_evidence(path, settings)]


def _index_evidence(text: str, embeddings, settings):
    from postgraph.factcheck.claims import extract_claims
    from postgraph.search.hybrid import hybrid_search
    from postgraph.search.index import open_index
    from postgraph.search.sparse import BM25SparseEmbeddings

    queries = extract_claims(text) or [text]
    with open_index(settings) as index:
        return hybrid_search(index, embeddings, BM25SparseEmbeddings(), queries[:6], k=SEARCH_K,
                             candidates=2 * SEARCH_K, hybrid=True, mmr_lambda=1.0, relevance_floor=0.0)
