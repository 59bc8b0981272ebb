"""Built-in operators: Bash, Python (+ branch, short-circuit) and Empty."""
