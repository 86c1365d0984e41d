"""The application workflow (issue 4): apply, department review, determination, objections."""
