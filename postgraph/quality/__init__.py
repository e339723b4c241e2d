"""How good a post is, measured in code (`metrics.py`): what the release gate and
monitoring score, the same way before and after a change ships."""
