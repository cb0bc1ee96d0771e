"""The review queue: quarantined messages exported for reviewers, their decisions applied.

`frames` holds the shape both halves share: what `review export` reads from the database
(`ReviewQueue`) and the columns of the files it writes and `review apply` reads.
"""
