"""Policy impact preview (issue #7): what a draft indicator set would do to the applicants it
reaches — who gains, who loses, the distribution before and after, the largest movers and why,
and who would enter or leave the quota of the affected tenants' open rounds."""
