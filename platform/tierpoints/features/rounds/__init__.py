"""Service rounds (issue #5): open a round of a declared service, rank the points valid on its
snapshot date, publish the masked ranking, take and check objections, allocate the quota."""
