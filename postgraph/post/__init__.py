"""What code knows about a LinkedIn post, without a model.

    rules        LinkedIn rules as critique issues, and the format fixes code can make
    edits        cleaning model output, dropping sentences, trimming to a length
    extractive   posts and additions built only from evidence sentences
    notes        the completion scaffold: evidence in as numbered notes, the post out

Plain-text helpers (sentences, words, hashtags, Markdown) live one floor down in
`postgraph.text`, shared with fact-checking and search.
"""
