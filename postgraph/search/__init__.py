"""Search over the chunk index.

    embeddings   dense embedding models (int8 ONNX MiniLM, sentence-transformers, Ollama)
    sparse       BM25-style sparse vectors for the keyword half
    index        the Qdrant collections, points and alias (VectorIndex, open_index)
    hybrid       dense search, and hybrid dense + sparse search fused by RRF, filtered, with MMR
"""
