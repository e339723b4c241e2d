"""Adapters to outside systems and pure helpers the nodes and the ingestion pipeline use."""
